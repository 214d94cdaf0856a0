package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// placedAllocs collects, during one write transaction, how many new
// allocations each deployment's groups received. The store, not the
// scheduler, counts a deployment's PlacedAllocs: only an allocation that
// is written exists, and a placement the scheduler could not make or the
// plan applier rejected must not be counted (issue 16: a blocked
// evaluation showed "Placed 1" with no allocation).
type placedAllocs map[string]map[string]int

// alloc records a newly created allocation that belongs to a deployment.
// It is called only for allocations that did not exist before, so an
// allocation updated in place or stopped is never counted twice.
func (p *placedAllocs) alloc(a *structs.Allocation) {
	if a.DeploymentID == "" {
		return
	}
	if *p == nil {
		*p = placedAllocs{}
	}
	groups := (*p)[a.DeploymentID]
	if groups == nil {
		groups = map[string]int{}
		(*p)[a.DeploymentID] = groups
	}
	groups[a.TaskGroup]++
}

// apply adds the counts to the deployments they belong to. A deployment
// that is gone (garbage-collected meanwhile) or a group it does not track
// is skipped: there is nothing to count into.
func (p placedAllocs) apply(txn *memdb.Txn, index uint64) error {
	if len(p) == 0 {
		return nil
	}
	for id, groups := range p {
		raw, err := txn.First(tableDeployments, "id", id)
		if err != nil {
			return fmt.Errorf("deployment lookup: %w", err)
		}
		if raw == nil {
			continue
		}
		d := raw.(*structs.Deployment).Copy()
		changed := false
		for name, n := range groups {
			if st := d.TaskGroups[name]; st != nil {
				st.PlacedAllocs += n
				changed = true
			}
		}
		if !changed {
			continue
		}
		d.ModifyIndex = index
		if err := txn.Insert(tableDeployments, d); err != nil {
			return fmt.Errorf("insert deployment: %w", err)
		}
	}
	return setIndex(txn, index, tableDeployments)
}
