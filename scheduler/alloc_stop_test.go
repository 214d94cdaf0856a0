package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// An allocation marked for migration on a node that is not draining (what
// `alloc stop` does) is stopped and replaced.
func TestService_MarkedAllocOnReadyNodeIsReplaced(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockJob("stopped-one")
	j.TaskGroups[0].Count = 2
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	live := h.liveAllocs(job)
	h.markMigrate(live[0])
	h.process(newEval(job, structs.EvalTriggerAllocStop))
	plan := h.lastPlan()
	stops := plan.NodeUpdate[live[0].NodeID]
	if len(stops) != 1 || stops[0].ID != live[0].ID || stops[0].DesiredDescription != descMigrating {
		t.Fatalf("stops %v", plan.NodeUpdate)
	}
	if countPlaced(plan) != 1 || countStopped(plan) != 1 {
		t.Fatalf("placed %v, stopped %d", planned(plan), countStopped(plan))
	}
}

// A marked system allocation is stopped and its node gets a new one.
func TestSystem_MarkedAllocIsReplacedOnItsNode(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 2, nil)
	job := h.upsertJob(mockSystemJob("sysstop"))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	var marked *structs.Allocation
	for _, a := range h.liveAllocs(job) {
		if a.NodeID == nodes[0].ID {
			marked = a
		}
	}
	h.markMigrate(marked)
	h.process(newEval(job, structs.EvalTriggerAllocStop))
	plan := h.lastPlan()
	if len(plan.NodeUpdate[nodes[0].ID]) != 1 || len(plan.NodeAllocation[nodes[0].ID]) != 1 || countPlaced(plan) != 1 {
		t.Fatalf("stops %v placed %v", plan.NodeUpdate, planned(plan))
	}
}
