package scheduler

import (
	"sort"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// descCanaryEnded is given to the canaries of a deployment that ended
// (failed, cancelled by a newer version) without promoting them.
const descCanaryEnded = "alloc not needed as its deployment ended before the canary was promoted"

// canaryFate is what the reconciler does with a canary allocation.
type canaryFate int

const (
	// canaryNormal: not a canary any more (its group was promoted, or
	// it was promoted in an older deployment); reconciled like any other.
	canaryNormal canaryFate = iota
	// canaryPending: a canary of the current deployment awaiting
	// promotion; it runs beside the group's count.
	canaryPending
	// canaryStop: a canary of a deployment that ended unpromoted.
	canaryStop
)

func isCanary(a *structs.Allocation) bool {
	return a.DeploymentStatus != nil && a.DeploymentStatus.Canary
}

// groupPromoted reports whether d has promoted group's canaries (or has
// none for it to promote).
func groupPromoted(d *structs.Deployment, group string) bool {
	st := d.TaskGroups[group]
	return st == nil || st.DesiredCanaries == 0 || st.Promoted
}

// canaryFateOf sorts a canary allocation. Canaries of the current
// deployment wait beside the old allocations until their group is
// promoted. A canary of the latest deployment when that one is no longer
// the current one (it failed, or a newer job version cancels it) and its
// group was never promoted is stopped: the version it tried is not
// rolled out. A canary of an older deployment than the latest was
// promoted or stopped when that deployment was the latest, so it is an
// ordinary allocation.
func (r *reconciler) canaryFateOf(a *structs.Allocation) canaryFate {
	if c := r.current; c != nil && a.DeploymentID == c.ID {
		if groupPromoted(c, a.TaskGroup) {
			return canaryNormal
		}
		return canaryPending
	}
	if d := r.deployment; d != nil && a.DeploymentID == d.ID && !groupPromoted(d, a.TaskGroup) {
		return canaryStop
	}
	return canaryNormal
}

// wantsCanaries reports whether destructive updates of tg wait for
// canaries: its update block asks for some and the current deployment
// (if any yet) has not promoted the group.
func (r *reconciler) wantsCanaries(tg *structs.TaskGroup) bool {
	if !r.needsDeployment(tg) || tg.Update.Canary <= 0 {
		return false
	}
	if r.current == nil {
		return true
	}
	st := r.current.TaskGroups[tg.Name]
	return st == nil || !st.Promoted
}

// deploymentHalted reports whether the latest deployment is of the
// current job version and paused or failed: nothing more of it is placed
// until it is resumed or the job changes.
func (r *reconciler) deploymentHalted() bool {
	if r.regionsHold {
		return true
	}
	d := r.deployment
	return d != nil && r.deploymentOfCurrentVersion(d) &&
		(d.Status == structs.DeploymentStatusPaused || d.Status == structs.DeploymentStatusFailed)
}

// placeCanaries replaces the destructive updates of a group that waits
// for canaries: the old allocations keep running, and as many canaries
// of the new version as the update block asks for, less those already
// placed, are placed beside them. Canaries take the names of the
// allocations they would replace, lowest index first, so that once
// promoted each one stands in for the old allocation of its name.
func (r *reconciler) placeCanaries(res *reconcileResult, du *structs.DesiredUpdates, tg *structs.TaskGroup, destructive []slot, live []*structs.Allocation) {
	if r.desiredCanaries == nil {
		r.desiredCanaries = map[string]int{}
	}
	r.desiredCanaries[tg.Name] = tg.Update.Canary
	du.Ignore += uint64(len(destructive))
	want := tg.Update.Canary - len(live)
	if want <= 0 || r.deploymentHalted() {
		return
	}
	taken := map[string]bool{}
	for _, a := range live {
		taken[a.Name] = true
	}
	var names []string
	olds := append([]slot(nil), destructive...)
	sort.SliceStable(olds, func(i, j int) bool { return nameIndex(olds[i].alloc.Name) < nameIndex(olds[j].alloc.Name) })
	for _, s := range olds {
		if len(names) < want && !taken[s.alloc.Name] {
			taken[s.alloc.Name] = true
			names = append(names, s.alloc.Name)
		}
	}
	// More canaries than old allocations left to replace: the lowest
	// indexes not yet taken.
	for idx := uint(0); len(names) < want; idx++ {
		name := structs.AllocName(r.job.ID, tg.Name, idx)
		if !taken[name] {
			taken[name] = true
			names = append(names, name)
		}
	}
	for _, name := range names {
		res.place = append(res.place, placement{name: name, tg: tg, kind: placeCanary})
	}
	du.Canary += uint64(len(names))
	r.wantDeployment = true
}
