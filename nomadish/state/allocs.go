package state

import (
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpsertAllocs writes allocations decided by the scheduler. For an
// existing allocation the client's view (status, task states) is kept:
// only the client changes it.
func (s *StateStore) UpsertAllocs(index uint64, allocs []*structs.Allocation) error {
	return s.write(func(txn *memdb.Txn) error {
		return upsertAllocsTxn(txn, index, allocs)
	})
}

func upsertAllocsTxn(txn *memdb.Txn, index uint64, allocs []*structs.Allocation) error {
	changes := jobChanges{}
	var placed placedAllocs
	for _, alloc := range allocs {
		raw, err := txn.First(tableAllocs, "id", alloc.ID)
		if err != nil {
			return fmt.Errorf("alloc lookup: %w", err)
		}
		var existing *structs.Allocation
		if raw != nil {
			existing = raw.(*structs.Allocation)
			alloc.CreateIndex = existing.CreateIndex
			alloc.CreateTime = existing.CreateTime
			// The client owns its status, except that the server marks
			// allocations of a dead node lost (or unknown when disconnected).
			switch alloc.ClientStatus {
			case structs.AllocClientStatusLost, structs.AllocClientStatusUnknown:
			default:
				alloc.ClientStatus = existing.ClientStatus
				alloc.ClientDescription = existing.ClientDescription
			}
			alloc.TaskStates = existing.TaskStates
			if alloc.Job == nil {
				alloc.Job = existing.Job
			}
		} else {
			alloc.CreateIndex = index
			if alloc.ClientStatus == "" {
				alloc.ClientStatus = structs.AllocClientStatusPending
			}
			placed.alloc(alloc)
		}
		if alloc.Job == nil {
			raw, err := txn.First(tableJobs, "id", alloc.Namespace, alloc.JobID)
			if err != nil {
				return fmt.Errorf("job of alloc lookup: %w", err)
			}
			if raw != nil {
				alloc.Job = raw.(*structs.Job)
			}
		}
		alloc.ModifyIndex = index
		alloc.AllocModifyIndex = index
		if err := txn.Insert(tableAllocs, alloc); err != nil {
			return fmt.Errorf("insert alloc: %w", err)
		}
		changes.alloc(existing, alloc)
	}
	if err := changes.apply(txn, index); err != nil {
		return err
	}
	if err := placed.apply(txn, index); err != nil {
		return err
	}
	return setIndex(txn, index, tableAllocs)
}

// UpdateAllocsFromClient applies a client's report of its allocations:
// client status, description, task states and deployment health. Unknown
// allocations are skipped: they may have been garbage-collected.
func (s *StateStore) UpdateAllocsFromClient(index uint64, allocs []*structs.Allocation) error {
	return s.write(func(txn *memdb.Txn) error {
		changes := jobChanges{}
		for _, update := range allocs {
			raw, err := txn.First(tableAllocs, "id", update.ID)
			if err != nil {
				return fmt.Errorf("alloc lookup: %w", err)
			}
			if raw == nil {
				continue
			}
			existing := raw.(*structs.Allocation)
			alloc := *existing
			alloc.ClientStatus = update.ClientStatus
			alloc.ClientDescription = update.ClientDescription
			alloc.TaskStates = update.TaskStates
			if update.DeploymentStatus != nil {
				// The client reports health only; whether the
				// allocation is a canary is the scheduler's to say.
				ds := *update.DeploymentStatus
				if existing.DeploymentStatus != nil && existing.DeploymentStatus.Canary {
					ds.Canary = true
				}
				alloc.DeploymentStatus = &ds
			}
			alloc.ModifyIndex = index
			alloc.ModifyTime = update.ModifyTime
			if err := txn.Insert(tableAllocs, &alloc); err != nil {
				return fmt.Errorf("insert alloc: %w", err)
			}
			changes.alloc(existing, &alloc)
		}
		if err := changes.apply(txn, index); err != nil {
			return err
		}
		return setIndex(txn, index, tableAllocs)
	})
}

// AllocByID returns an allocation or nil.
func (s *StateStore) AllocByID(ws memdb.WatchSet, id string) (*structs.Allocation, error) {
	raw, err := first(s.read(), ws, tableAllocs, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Allocation), nil
}

// Allocs iterates every allocation.
func (s *StateStore) Allocs(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableAllocs, "id")
}

// AllocsByIDPrefix iterates allocations of a namespace whose ID starts with prefix.
func (s *StateStore) AllocsByIDPrefix(ws memdb.WatchSet, namespace, prefix string) (memdb.ResultIterator, error) {
	it, err := get(s.read(), ws, tableAllocs, "id_prefix", prefix)
	if err != nil {
		return nil, err
	}
	return memdb.NewFilterIterator(it, func(raw interface{}) bool {
		return raw.(*structs.Allocation).Namespace != namespace
	}), nil
}

// AllocsByJob returns a job's allocations. Unless anyCreateIndex is set,
// allocations of an earlier job with the same ID (purged and registered
// again) are left out.
func (s *StateStore) AllocsByJob(ws memdb.WatchSet, namespace, jobID string, anyCreateIndex bool) ([]*structs.Allocation, error) {
	txn := s.read()
	var jobCreate uint64
	if !anyCreateIndex {
		raw, err := first(txn, ws, tableJobs, "id", namespace, jobID)
		if err != nil {
			return nil, err
		}
		if raw != nil {
			jobCreate = raw.(*structs.Job).CreateIndex
		}
	}
	it, err := get(txn, ws, tableAllocs, "job", namespace, jobID)
	if err != nil {
		return nil, err
	}
	var out []*structs.Allocation
	for raw := it.Next(); raw != nil; raw = it.Next() {
		a := raw.(*structs.Allocation)
		if jobCreate != 0 && a.Job != nil && a.Job.CreateIndex != jobCreate {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// AllocsByNode returns a node's allocations.
func (s *StateStore) AllocsByNode(ws memdb.WatchSet, nodeID string) ([]*structs.Allocation, error) {
	return s.allocList(ws, "node", nodeID)
}

// AllocsByEval returns the allocations an evaluation created, found
// among its job's: every server writes every allocation twice or more,
// and an index by evaluation would cost each of those writes for the
// sake of this rare read. An evaluation already garbage-collected has
// none.
func (s *StateStore) AllocsByEval(ws memdb.WatchSet, evalID string) ([]*structs.Allocation, error) {
	eval, err := s.EvalByID(ws, evalID)
	if err != nil || eval == nil {
		return nil, err
	}
	return s.jobAllocsWhere(ws, eval.Namespace, eval.JobID, func(a *structs.Allocation) bool { return a.EvalID == evalID })
}

// AllocsByDeployment returns a deployment's allocations, found among its
// job's (as for AllocsByEval, an index would cost every allocation write
// for a rare read). A deployment already garbage-collected has none.
func (s *StateStore) AllocsByDeployment(ws memdb.WatchSet, deploymentID string) ([]*structs.Allocation, error) {
	d, err := s.DeploymentByID(ws, deploymentID)
	if err != nil || d == nil {
		return nil, err
	}
	return s.jobAllocsWhere(ws, d.Namespace, d.JobID, func(a *structs.Allocation) bool { return a.DeploymentID == deploymentID })
}

// jobAllocsWhere returns the allocations of every incarnation of a job ID
// that keep accepts.
func (s *StateStore) jobAllocsWhere(ws memdb.WatchSet, namespace, jobID string, keep func(*structs.Allocation) bool) ([]*structs.Allocation, error) {
	allocs, err := s.AllocsByJob(ws, namespace, jobID, true)
	if err != nil {
		return nil, err
	}
	var out []*structs.Allocation
	for _, a := range allocs {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *StateStore) allocList(ws memdb.WatchSet, index, value string) ([]*structs.Allocation, error) {
	it, err := get(s.read(), ws, tableAllocs, index, value)
	if err != nil {
		return nil, err
	}
	var out []*structs.Allocation
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*structs.Allocation))
	}
	return out, nil
}

// SetAllocsDeploymentHealth records health set by hand (PUT
// /v1/deployment/allocation-health/:id) on the allocations named, keeping
// whether each is a canary. An ID that is not an allocation of
// deploymentID is skipped: the endpoint has refused such requests, and a
// replayed entry must apply the same way on every server.
func (s *StateStore) SetAllocsDeploymentHealth(index uint64, deploymentID string, healthy, unhealthy []string, at time.Time) error {
	return s.write(func(txn *memdb.Txn) error {
		changes := jobChanges{}
		set := func(ids []string, h bool) error {
			for _, id := range ids {
				raw, err := txn.First(tableAllocs, "id", id)
				if err != nil {
					return fmt.Errorf("alloc lookup: %w", err)
				}
				if raw == nil || raw.(*structs.Allocation).DeploymentID != deploymentID {
					continue
				}
				existing := raw.(*structs.Allocation)
				alloc := *existing
				v := h
				ds := &structs.AllocDeploymentStatus{Healthy: &v, Timestamp: at, ModifyIndex: index}
				if existing.DeploymentStatus != nil {
					ds.Canary = existing.DeploymentStatus.Canary
				}
				alloc.DeploymentStatus = ds
				alloc.ModifyIndex = index
				if err := txn.Insert(tableAllocs, &alloc); err != nil {
					return fmt.Errorf("insert alloc: %w", err)
				}
				changes.alloc(existing, &alloc)
			}
			return nil
		}
		if err := set(healthy, true); err != nil {
			return err
		}
		if err := set(unhealthy, false); err != nil {
			return err
		}
		if err := changes.apply(txn, index); err != nil {
			return err
		}
		return setIndex(txn, index, tableAllocs)
	})
}
