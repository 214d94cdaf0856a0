package scheduler

import (
	"sort"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// minPreemptionPriorityDelta is how much lower a job's priority must be
// for its allocations to be preempted.
const minPreemptionPriorityDelta = 10

// findPreemption chooses allocations on the node whose eviction makes
// room for g, or nil when none does. Candidates belong to other jobs of
// priority at least minPreemptionPriorityDelta below g's job, and are not
// already evicted by this plan. The lowest priorities go first, the
// largest first within a priority; once the group fits, any chosen
// allocation not needed after all is dropped again, so the set is
// minimal for that order.
func findPreemption(ctx *evalContext, g *groupInfo, u *nodeUsage) []*structs.Allocation {
	maxPriority := g.job.Priority - minPreemptionPriorityDelta
	var candidates []*structs.Allocation
	for _, a := range u.allocs {
		if a.Job == nil || a.Job.Priority > maxPriority || ctx.evicted[a.ID] ||
			(a.JobID == g.job.ID && a.Namespace == g.job.Namespace) {
			continue
		}
		candidates = append(candidates, a)
	}
	if len(candidates) == 0 {
		return nil
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if a.Job.Priority != b.Job.Priority {
			return a.Job.Priority < b.Job.Priority
		}
		sa, sb := allocSize(a), allocSize(b)
		if sa != sb {
			return sa > sb
		}
		return a.ID < b.ID
	})
	fits := func(set []*structs.Allocation) bool {
		ok, _ := fitGroup(ctx, g, u, set)
		return ok
	}
	var chosen []*structs.Allocation
	ok := false
	for _, a := range candidates {
		chosen = append(chosen, a)
		if fits(chosen) {
			ok = true
			break
		}
	}
	if !ok {
		return nil
	}
	for i := len(chosen) - 2; i >= 0; i-- {
		without := append(append([]*structs.Allocation{}, chosen[:i]...), chosen[i+1:]...)
		if fits(without) {
			chosen = without
		}
	}
	return chosen
}

// allocSize weighs an allocation for preemption order: CPU plus memory.
func allocSize(a *structs.Allocation) int64 {
	c := a.AllocatedResources.Comparable()
	return c.CPU + c.MemoryMB
}
