package state

import (
	"fmt"
	"sort"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpsertPlanResults applies a committed plan in one transaction: the
// deployment it creates or changes, the status updates of other
// deployments, and every allocation it places, stops or preempts. The
// plan applier also calls it on a private snapshot, to verify the next
// plan against the results of one still being committed.
func (s *StateStore) UpsertPlanResults(index uint64, req *structs.ApplyPlanResultsRequest) error {
	_, err := s.CommitPlanResults(index, req)
	return err
}

// CommitPlanResults is UpsertPlanResults that also returns, sorted, the
// nodes whose new placements it left out because the node was gone, down
// or disconnected at index. The plan applier checks nodes on a snapshot,
// and a node can go down between that check and the plan's commit; the
// entry is applied in the log's order on every server alike, so leaving
// the placements out here is what keeps an allocation from ever being
// placed on a node that was already down. Stops, preemptions and updates
// of allocations already on the node still apply.
func (s *StateStore) CommitPlanResults(index uint64, req *structs.ApplyPlanResultsRequest) (dropped []string, err error) {
	err = s.write(func(txn *memdb.Txn) error {
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
		nodeDown := map[string]bool{}
		droppedOn := map[string]bool{}
		for _, a := range req.Allocs {
			down, err := newPlacementOnDownNode(txn, a, nodeDown)
			if err != nil {
				return err
			}
			if down {
				droppedOn[a.NodeID] = true
				continue
			}
			if a.Job == nil {
				a.Job = req.Job
			}
			allocs = append(allocs, a)
		}
		for id := range droppedOn {
			dropped = append(dropped, id)
		}
		sort.Strings(dropped)
		allocs = append(allocs, req.AllocsStopped...)
		allocs = append(allocs, req.AllocsPreempted...)
		if len(allocs) == 0 {
			return setIndex(txn, index, tableAllocs)
		}
		return upsertAllocsTxn(txn, index, allocs)
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// newPlacementOnDownNode reports whether a is a new allocation (not yet
// in the table) for a node that is gone, down or disconnected. down
// caches each node's answer for the transaction.
func newPlacementOnDownNode(txn *memdb.Txn, a *structs.Allocation, down map[string]bool) (bool, error) {
	d, ok := down[a.NodeID]
	if !ok {
		raw, err := txn.First(tableNodes, "id", a.NodeID)
		if err != nil {
			return false, fmt.Errorf("node lookup: %w", err)
		}
		d = true
		if raw != nil {
			switch raw.(*structs.Node).Status {
			case structs.NodeStatusDown, structs.NodeStatusDisconnected:
			default:
				d = false
			}
		}
		down[a.NodeID] = d
	}
	if !d {
		return false, nil
	}
	raw, err := txn.First(tableAllocs, "id", a.ID)
	if err != nil {
		return false, fmt.Errorf("alloc lookup: %w", err)
	}
	return raw == nil, nil
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
