package scheduler

import "github.com/nomadish/nomadish/nomadish/structs"

// waitsForRegions reports whether the job's version must wait for its
// turn among the regions of its multiregion block before anything of
// it is placed: its deployment here is pending, or it has none yet and
// none of this version has ended. The regions' leaders move a pending
// deployment to running (nomadish/multiregion_watcher.go), and the
// evaluation that follows places it.
func (r *reconciler) waitsForRegions() bool {
	j := r.job
	if j == nil || j.Multiregion == nil || len(j.Multiregion.Regions) < 2 || r.batch || j.Type != structs.JobTypeService {
		return false
	}
	if r.current != nil {
		return r.current.Status == structs.DeploymentStatusPending
	}
	// A deployment of this version that ended (successful, failed,
	// cancelled) does not make it wait again: replacements of lost or
	// failed allocations go on as for any job.
	return r.deployment == nil || !r.deploymentOfCurrentVersion(r.deployment)
}
