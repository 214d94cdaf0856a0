package scheduler

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Deployment status descriptions.
const (
	descDeploymentNewer   = "Cancelled due to newer version of job"
	descDeploymentStopped = "Cancelled because job is stopped"
	descDeploymentRunning = "Deployment is running"
)

// needsDeployment reports whether placements of tg belong to a
// deployment: service groups with an update block of max_parallel > 0.
func (r *reconciler) needsDeployment(tg *structs.TaskGroup) bool {
	return !r.batch && r.job != nil && r.job.Type == structs.JobTypeService && tg.Update != nil && tg.Update.MaxParallel > 0
}

// deploymentOfCurrentVersion reports whether d is of the job's version.
func (r *reconciler) deploymentOfCurrentVersion(d *structs.Deployment) bool {
	return r.job != nil && d.JobCreateIndex == r.job.CreateIndex && d.JobVersion == r.job.Version
}

// handleDeployment cancels an active deployment of an older version or
// of a stopped job, and remembers one of the current version.
func (r *reconciler) handleDeployment(res *reconcileResult, stopped bool) {
	d := r.deployment
	if d == nil || !d.Active() {
		return
	}
	switch {
	case stopped:
		res.deploymentUpdates = append(res.deploymentUpdates, &structs.DeploymentStatusUpdate{
			DeploymentID: d.ID, Status: structs.DeploymentStatusCancelled, StatusDescription: descDeploymentStopped,
		})
	case !r.deploymentOfCurrentVersion(d):
		res.deploymentUpdates = append(res.deploymentUpdates, &structs.DeploymentStatusUpdate{
			DeploymentID: d.ID, Status: structs.DeploymentStatusCancelled, StatusDescription: descDeploymentNewer,
		})
	default:
		r.current = d
	}
}

// destructiveLimit is how many of n destructive updates of tg this
// evaluation may make: all without an update block; otherwise
// max_parallel less the current deployment's allocations that are not
// yet healthy, and none while that deployment is paused or has failed.
func (r *reconciler) destructiveLimit(tg *structs.TaskGroup, allocs []*structs.Allocation, n int) int {
	if !r.needsDeployment(tg) {
		return n
	}
	if r.deploymentHalted() {
		return 0
	}
	inflight := 0
	if r.current != nil {
		for _, a := range allocs {
			if a.DeploymentID != r.current.ID || a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientTerminalStatus() {
				continue
			}
			if a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil {
				inflight++
			}
		}
	}
	return max(0, min(n, tg.Update.MaxParallel-inflight))
}

// finishDeployment creates the deployment the reconciler asked for, or
// puts the current one in the plan for this evaluation's placements to
// join. It does not count them: a placement may still fail here or be
// rejected by the plan applier, so the state store counts PlacedAllocs
// from the allocations it writes.
func (r *reconciler) finishDeployment(res *reconcileResult) {
	placed := map[string]int{}
	for _, p := range res.place {
		if r.needsDeployment(p.tg) {
			placed[p.tg.Name]++
		}
	}
	if r.regionsHold && r.current == nil && r.wantDeployment {
		res.deployment = r.newDeployment(structs.DeploymentStatusPending, structs.DeploymentDescMultiregionPending)
		res.deployment.IsMultiregion = true
		res.createdDeployment = true
		return
	}
	if len(placed) == 0 {
		return
	}
	if r.current != nil {
		d := r.current.Copy()
		if d.TaskGroups == nil {
			d.TaskGroups = map[string]*structs.DeploymentState{}
		}
		for name := range placed {
			if d.TaskGroups[name] == nil {
				d.TaskGroups[name] = &structs.DeploymentState{}
			}
		}
		for name, n := range r.desiredCanaries {
			if st := d.TaskGroups[name]; st != nil && !st.Promoted && st.DesiredCanaries < n {
				st.DesiredCanaries = n
			}
		}
		d.ModifyTime = r.now.UnixNano()
		res.deployment = d
		return
	}
	if !r.wantDeployment {
		return
	}
	res.deployment = r.newDeployment(structs.DeploymentStatusRunning, descDeploymentRunning)
	res.deployment.IsMultiregion = r.job.Multiregion != nil && len(r.job.Multiregion.Regions) > 1
	res.createdDeployment = true
}

// newDeployment is a deployment of the job's version with a state for
// every group that needs one.
func (r *reconciler) newDeployment(status, desc string) *structs.Deployment {
	d := &structs.Deployment{
		ID:                 r.newID(),
		Namespace:          r.job.Namespace,
		JobID:              r.job.ID,
		JobVersion:         r.job.Version,
		JobModifyIndex:     r.job.ModifyIndex,
		JobSpecModifyIndex: r.job.JobModifyIndex,
		JobCreateIndex:     r.job.CreateIndex,
		TaskGroups:         map[string]*structs.DeploymentState{},
		Status:             status,
		StatusDescription:  desc,
		EvalPriority:       r.eval.Priority,
		CreateTime:         r.now.UnixNano(),
		ModifyTime:         r.now.UnixNano(),
	}
	for _, tg := range r.job.TaskGroups {
		if !r.needsDeployment(tg) {
			continue
		}
		st := &structs.DeploymentState{
			AutoRevert:       tg.Update.AutoRevert,
			AutoPromote:      tg.Update.AutoPromote,
			ProgressDeadline: tg.Update.ProgressDeadline,
			DesiredTotal:     tg.Count,
			DesiredCanaries:  r.desiredCanaries[tg.Name],
		}
		if tg.Update.ProgressDeadline > 0 {
			st.RequireProgressBy = r.now.Add(tg.Update.ProgressDeadline)
		}
		d.TaskGroups[tg.Name] = st
	}
	return d
}
