package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpsertPlanResults applies a committed plan in one transaction: the
// deployment it creates or changes, the status updates of other
// deployments, and every allocation it places, stops or preempts. The
// plan applier also calls it on a private snapshot, to verify the next
// plan against the results of one still being committed.
func (s *StateStore) UpsertPlanResults(index uint64, req *structs.ApplyPlanResultsRequest) error {
	return s.write(func(txn *memdb.Txn) error {
		if d := req.Deployment; d != nil {
			if err := upsertDeploymentTxn(txn, index, d); err != nil {
				return err
			}
		}
		for _, u := range req.DeploymentUpdates {
			if err := updateDeploymentStatusTxn(txn, index, u); err != nil {
				return err
			}
		}
		n := len(req.Allocs) + len(req.AllocsStopped) + len(req.AllocsPreempted)
		if n == 0 {
			return setIndex(txn, index, tableAllocs)
		}
		allocs := make([]*structs.Allocation, 0, n)
		for _, a := range req.Allocs {
			if a.Job == nil {
				a.Job = req.Job
			}
			allocs = append(allocs, a)
		}
		allocs = append(allocs, req.AllocsStopped...)
		allocs = append(allocs, req.AllocsPreempted...)
		return upsertAllocsTxn(txn, index, allocs)
	})
}

func upsertDeploymentTxn(txn *memdb.Txn, index uint64, d *structs.Deployment) error {
	raw, err := txn.First(tableDeployments, "id", d.ID)
	if err != nil {
		return fmt.Errorf("deployment lookup: %w", err)
	}
	if raw != nil {
		prev := raw.(*structs.Deployment)
		d.CreateIndex = prev.CreateIndex
		keepDeploymentProgress(prev, d)
	} else {
		d.CreateIndex = index
	}
	d.ModifyIndex = index
	if err := txn.Insert(tableDeployments, d); err != nil {
		return fmt.Errorf("insert deployment: %w", err)
	}
	return setIndex(txn, index, tableDeployments)
}

// updateDeploymentStatusTxn changes an existing deployment's status; an
// unknown deployment (garbage-collected meanwhile) is skipped.
func updateDeploymentStatusTxn(txn *memdb.Txn, index uint64, u *structs.DeploymentStatusUpdate) error {
	raw, err := txn.First(tableDeployments, "id", u.DeploymentID)
	if err != nil {
		return fmt.Errorf("deployment lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	d := *raw.(*structs.Deployment)
	d.Status = u.Status
	d.StatusDescription = u.StatusDescription
	d.ModifyIndex = index
	if err := txn.Insert(tableDeployments, &d); err != nil {
		return fmt.Errorf("insert deployment: %w", err)
	}
	return setIndex(txn, index, tableDeployments)
}

// LatestIndexWatch returns the highest index written to any table and
// adds to ws a channel that fires at the next write of any table, so a
// caller can wait for the store to reach an index without polling.
func (s *StateStore) LatestIndexWatch(ws memdb.WatchSet) (uint64, error) {
	it, err := get(s.read(), ws, tableIndex, "id")
	if err != nil {
		return 0, err
	}
	var max uint64
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if v := raw.(*IndexEntry).Value; v > max {
			max = v
		}
	}
	return max, nil
}
