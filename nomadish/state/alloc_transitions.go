package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpdateAllocsDesiredTransitions sets the desired transition of the
// allocations named in transitions and writes evals, in one transaction.
// Unknown allocations are skipped: they may have been garbage-collected.
// The client's view and the scheduler's decisions are left as they are.
func (s *StateStore) UpdateAllocsDesiredTransitions(index uint64, transitions map[string]*structs.DesiredTransition, evals []*structs.Evaluation) error {
	return s.write(func(txn *memdb.Txn) error {
		changed := false
		for id, t := range transitions {
			if t == nil {
				continue
			}
			raw, err := txn.First(tableAllocs, "id", id)
			if err != nil {
				return fmt.Errorf("alloc lookup: %w", err)
			}
			if raw == nil {
				continue
			}
			alloc := *raw.(*structs.Allocation)
			alloc.DesiredTransition = *t
			alloc.ModifyIndex = index
			if err := txn.Insert(tableAllocs, &alloc); err != nil {
				return fmt.Errorf("insert alloc: %w", err)
			}
			changed = true
		}
		if changed {
			if err := setIndex(txn, index, tableAllocs); err != nil {
				return err
			}
		}
		if len(evals) > 0 {
			return upsertEvalsTxn(txn, index, evals)
		}
		return nil
	})
}
