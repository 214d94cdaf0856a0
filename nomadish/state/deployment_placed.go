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
//
// It also lists the canaries among them (placed with
// DeploymentStatus.Canary), by deployment and group in the order
// written, for the group's PlacedCanaries.
type placedAllocs struct {
	counts   map[string]map[string]int
	canaries map[string]map[string][]string
}

// alloc records a newly created allocation that belongs to a deployment.
// It is called only for allocations that did not exist before, so an
// allocation updated in place or stopped is never counted twice.
func (p *placedAllocs) alloc(a *structs.Allocation) {
	if a.DeploymentID == "" {
		return
	}
	if p.counts == nil {
		p.counts = map[string]map[string]int{}
	}
	groups := p.counts[a.DeploymentID]
	if groups == nil {
		groups = map[string]int{}
		p.counts[a.DeploymentID] = groups
	}
	groups[a.TaskGroup]++
	if a.DeploymentStatus != nil && a.DeploymentStatus.Canary {
		if p.canaries == nil {
			p.canaries = map[string]map[string][]string{}
		}
		if p.canaries[a.DeploymentID] == nil {
			p.canaries[a.DeploymentID] = map[string][]string{}
		}
		p.canaries[a.DeploymentID][a.TaskGroup] = append(p.canaries[a.DeploymentID][a.TaskGroup], a.ID)
	}
}

// apply adds the counts to the deployments they belong to. A deployment
// that is gone (garbage-collected meanwhile) or a group it does not track
// is skipped: there is nothing to count into.
func (p placedAllocs) apply(txn *memdb.Txn, index uint64) error {
	if len(p.counts) == 0 {
		return nil
	}
	for id, groups := range p.counts {
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
				st.PlacedCanaries = append(st.PlacedCanaries, p.canaries[id][name]...)
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
