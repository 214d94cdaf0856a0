package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpdateDeploymentProgress applies one entry of the deployment watcher in
// one transaction: the named deployments' statuses and group health, job
// versions marked stable, and evaluations. Deployments that are gone
// (garbage-collected meanwhile) are skipped, as are job versions no
// longer stored.
func (s *StateStore) UpdateDeploymentProgress(index uint64, req *structs.DeploymentProgressRequest) error {
	return s.write(func(txn *memdb.Txn) error {
		for _, p := range req.Deployments {
			if p == nil {
				// Never written by the deployment watcher: the
				// entry is corrupt. Refused whole, as when this
				// panicked, so that servers agree on its effect.
				return fmt.Errorf("corrupt entry: Deployments holds a null")
			}
			if err := updateDeploymentProgressTxn(txn, index, p); err != nil {
				return err
			}
		}
		for _, u := range req.StableJobs {
			if u == nil {
				return fmt.Errorf("corrupt entry: StableJobs holds a null")
			}
			if err := updateJobStabilityTxn(txn, index, u); err != nil {
				return err
			}
		}
		var evals []*structs.Evaluation
		for _, e := range req.Evals {
			if e != nil {
				evals = append(evals, e)
			}
		}
		if len(evals) > 0 {
			if err := upsertEvalsTxn(txn, index, evals); err != nil {
				return err
			}
		}
		return nil
	})
}

func updateDeploymentProgressTxn(txn *memdb.Txn, index uint64, p *structs.DeploymentProgress) error {
	raw, err := txn.First(tableDeployments, "id", p.DeploymentID)
	if err != nil {
		return fmt.Errorf("deployment lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	d := raw.(*structs.Deployment).Copy()
	if p.Status != "" {
		d.Status = p.Status
		d.StatusDescription = p.StatusDescription
	}
	for name, g := range p.Groups {
		st := d.TaskGroups[name]
		if g == nil {
			return fmt.Errorf("corrupt entry: group %q of deployment %q is null", name, p.DeploymentID)
		}
		if st == nil {
			continue
		}
		st.HealthyAllocs = g.HealthyAllocs
		st.UnhealthyAllocs = g.UnhealthyAllocs
		st.RequireProgressBy = g.RequireProgressBy
	}
	for _, name := range p.PromoteGroups {
		if st := d.TaskGroups[name]; st != nil {
			st.Promoted = true
		}
	}
	if p.ModifyTime != 0 {
		d.ModifyTime = p.ModifyTime
	}
	d.ModifyIndex = index
	if err := txn.Insert(tableDeployments, d); err != nil {
		return fmt.Errorf("insert deployment: %w", err)
	}
	return setIndex(txn, index, tableDeployments)
}

// updateJobStabilityTxn marks one stored job version stable or not, and
// the current job too when it is that version.
func updateJobStabilityTxn(txn *memdb.Txn, index uint64, u *structs.JobStabilityUpdate) error {
	raw, err := txn.First(tableJobVersion, "id", u.Namespace, u.JobID, u.JobVersion)
	if err != nil {
		return fmt.Errorf("job version lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	if v := raw.(*structs.Job); v.Stable != u.Stable {
		c := v.Copy()
		c.Stable = u.Stable
		if err := txn.Insert(tableJobVersion, c); err != nil {
			return fmt.Errorf("insert job version: %w", err)
		}
	}
	raw, err = txn.First(tableJobs, "id", u.Namespace, u.JobID)
	if err != nil {
		return fmt.Errorf("job lookup: %w", err)
	}
	if raw != nil {
		if j := raw.(*structs.Job); j.Version == u.JobVersion && j.Stable != u.Stable {
			c := j.Copy()
			c.Stable = u.Stable
			c.ModifyIndex = index
			if err := txn.Insert(tableJobs, c); err != nil {
				return fmt.Errorf("insert job: %w", err)
			}
		}
	}
	return setIndex(txn, index, tableJobs, tableJobVersion)
}

// keepDeploymentProgress carries what the deployment watcher and the
// deployment endpoints own over into a plan's copy of an existing
// deployment (prev): the scheduler copies a deployment from its snapshot
// to attach its placements to, and its copy must not undo a health count,
// placement count, progress deadline or status written after that
// snapshot. PlacedAllocs is the store's own count of the allocations
// written into the deployment (placedAllocs), so the stored one wins.
func keepDeploymentProgress(prev, d *structs.Deployment) {
	d.Status = prev.Status
	d.StatusDescription = prev.StatusDescription
	for name, st := range d.TaskGroups {
		p := prev.TaskGroups[name]
		if p == nil {
			continue
		}
		st.PlacedAllocs = p.PlacedAllocs
		// Canaries are recorded by the store (placedAllocs) and
		// promotion by the deployment endpoints and watcher.
		st.PlacedCanaries = p.PlacedCanaries
		st.Promoted = st.Promoted || p.Promoted
		st.HealthyAllocs = p.HealthyAllocs
		st.UnhealthyAllocs = p.UnhealthyAllocs
		if p.RequireProgressBy.After(st.RequireProgressBy) {
			st.RequireProgressBy = p.RequireProgressBy
		}
	}
}
