package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpsertEvals writes evaluations.
func (s *StateStore) UpsertEvals(index uint64, evals []*structs.Evaluation) error {
	return s.write(func(txn *memdb.Txn) error {
		return upsertEvalsTxn(txn, index, evals)
	})
}

func upsertEvalsTxn(txn *memdb.Txn, index uint64, evals []*structs.Evaluation) error {
	// queued holds, per job, the queued counts of its newest evaluation
	// that has them (nil when none of this batch has).
	jobs := map[structs.NamespacedID]map[string]int{}
	for _, eval := range evals {
		raw, err := txn.First(tableEvals, "id", eval.ID)
		if err != nil {
			return fmt.Errorf("eval lookup: %w", err)
		}
		if raw != nil {
			eval.CreateIndex = raw.(*structs.Evaluation).CreateIndex
		} else {
			eval.CreateIndex = index
		}
		eval.ModifyIndex = index
		if err := txn.Insert(tableEvals, eval); err != nil {
			return fmt.Errorf("insert eval: %w", err)
		}
		id := structs.NamespacedID{Namespace: eval.Namespace, ID: eval.JobID}
		if eval.QueuedAllocations != nil || jobs[id] == nil {
			jobs[id] = eval.QueuedAllocations
		}
	}
	for id, queued := range jobs {
		if err := refreshJobStatusTxn(txn, index, id.Namespace, id.ID); err != nil {
			return err
		}
		if queued != nil {
			if err := setQueuedTxn(txn, index, id, queued); err != nil {
				return err
			}
		}
	}
	return setIndex(txn, index, tableEvals)
}

// DeleteEval removes evaluations and allocations (garbage collection).
func (s *StateStore) DeleteEval(index uint64, evals, allocs []string) error {
	return s.write(func(txn *memdb.Txn) error {
		jobs := map[structs.NamespacedID]bool{}
		for _, id := range evals {
			raw, err := txn.First(tableEvals, "id", id)
			if err != nil {
				return fmt.Errorf("eval lookup: %w", err)
			}
			if raw == nil {
				continue
			}
			e := raw.(*structs.Evaluation)
			if err := txn.Delete(tableEvals, e); err != nil {
				return fmt.Errorf("delete eval: %w", err)
			}
			jobs[structs.NamespacedID{Namespace: e.Namespace, ID: e.JobID}] = true
		}
		for _, id := range allocs {
			raw, err := txn.First(tableAllocs, "id", id)
			if err != nil {
				return fmt.Errorf("alloc lookup: %w", err)
			}
			if raw == nil {
				continue
			}
			a := raw.(*structs.Allocation)
			if err := txn.Delete(tableAllocs, a); err != nil {
				return fmt.Errorf("delete alloc: %w", err)
			}
			jobs[structs.NamespacedID{Namespace: a.Namespace, ID: a.JobID}] = true
		}
		for j := range jobs {
			if err := recomputeJobTxn(txn, index, j.Namespace, j.ID); err != nil {
				return err
			}
		}
		return setIndex(txn, index, tableEvals, tableAllocs)
	})
}

// EvalByID returns an evaluation or nil.
func (s *StateStore) EvalByID(ws memdb.WatchSet, id string) (*structs.Evaluation, error) {
	raw, err := first(s.read(), ws, tableEvals, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Evaluation), nil
}

// Evals iterates every evaluation.
func (s *StateStore) Evals(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableEvals, "id")
}

// EvalsByIDPrefix iterates evaluations of a namespace whose ID starts with prefix.
func (s *StateStore) EvalsByIDPrefix(ws memdb.WatchSet, namespace, prefix string) (memdb.ResultIterator, error) {
	it, err := get(s.read(), ws, tableEvals, "id_prefix", prefix)
	if err != nil {
		return nil, err
	}
	return memdb.NewFilterIterator(it, func(raw interface{}) bool {
		return raw.(*structs.Evaluation).Namespace != namespace
	}), nil
}

// EvalsByJob returns a job's evaluations.
func (s *StateStore) EvalsByJob(ws memdb.WatchSet, namespace, jobID string) ([]*structs.Evaluation, error) {
	it, err := get(s.read(), ws, tableEvals, "job", namespace, jobID)
	if err != nil {
		return nil, err
	}
	var out []*structs.Evaluation
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*structs.Evaluation))
	}
	return out, nil
}
