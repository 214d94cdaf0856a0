package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// markMigrate sets DesiredTransition.Migrate on allocations, as the
// leader's drainer does through Raft.
func (h *harness) markMigrate(allocs ...*structs.Allocation) {
	h.t.Helper()
	marks := map[string]*structs.DesiredTransition{}
	for _, a := range allocs {
		marks[a.ID] = &structs.DesiredTransition{Migrate: true}
	}
	if err := h.state.UpdateAllocsDesiredTransitions(h.nextIndex(), marks, nil); err != nil {
		h.t.Fatal(err)
	}
}

func onNode(allocs []*structs.Allocation, nodeID string) []*structs.Allocation {
	var out []*structs.Allocation
	for _, a := range allocs {
		if a.NodeID == nodeID {
			out = append(out, a)
		}
	}
	return out
}

// Only allocations the drainer marked leave a draining node before its
// deadline; the rest keep their slots and are neither replaced nor
// counted missing.
func TestService_DrainMigratesOnlyMarked(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 1, nil)
	j := mockJob("paced")
	j.TaskGroups[0].Count = 4
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	draining := nodes[0].ID
	if got := len(onNode(h.liveAllocs(job), draining)); got != 4 {
		t.Fatalf("setup: %d allocs on the first node", got)
	}
	h.addNodes(1, 2, nil)
	h.updateNode(draining, func(n *structs.Node) {
		n.Drain = true
		n.SchedulingEligibility = structs.NodeSchedulingIneligible
		n.DrainStrategy = &structs.DrainStrategy{Deadline: int64(time.Hour), ForceDeadline: testNow.Add(time.Hour).UnixNano()}
	})

	// Nothing marked: nothing moves.
	before := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	if len(h.plans) != before {
		t.Fatalf("unmarked allocs moved: stops %v placed %v", h.lastPlan().NodeUpdate, planned(h.lastPlan()))
	}

	// Two marked: exactly those two are stopped and replaced elsewhere.
	live := onNode(h.liveAllocs(job), draining)
	h.markMigrate(live[0], live[1])
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	plan := h.lastPlan()
	stops := plan.NodeUpdate[draining]
	if len(stops) != 2 || countStopped(plan) != 2 {
		t.Fatalf("stops %v", plan.NodeUpdate)
	}
	for _, a := range stops {
		if a.ID != live[0].ID && a.ID != live[1].ID {
			t.Fatalf("stopped unmarked %s", a.Name)
		}
		if a.DesiredDescription != descMigrating {
			t.Fatalf("stop description %q", a.DesiredDescription)
		}
	}
	if countPlaced(plan) != 2 || len(plan.NodeAllocation[draining]) != 0 {
		t.Fatalf("placed %v", planned(plan))
	}
	for _, list := range plan.NodeAllocation {
		for _, a := range list {
			if a.PreviousAllocation != live[0].ID && a.PreviousAllocation != live[1].ID {
				t.Fatalf("%s replaces %q", a.Name, a.PreviousAllocation)
			}
		}
	}
	if got := len(onNode(h.liveAllocs(job), draining)); got != 2 {
		t.Fatalf("%d allocs left on the draining node, want 2", got)
	}
	if got := len(h.liveAllocs(job)); got != 4 {
		t.Fatalf("%d live allocs, want 4", got)
	}
}

// Once the drain's deadline has passed, everything left migrates,
// marked or not.
func TestService_DrainDeadlineMigratesUnmarked(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 1, nil)
	j := mockJob("late")
	j.TaskGroups[0].Count = 3
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.addNodes(1, 2, nil)
	h.updateNode(nodes[0].ID, func(n *structs.Node) {
		n.Drain = true
		n.SchedulingEligibility = structs.NodeSchedulingIneligible
		n.DrainStrategy = &structs.DrainStrategy{Deadline: int64(time.Minute), ForceDeadline: testNow.Add(-time.Second).UnixNano()}
	})
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	plan := h.lastPlan()
	if len(plan.NodeUpdate[nodes[0].ID]) != 3 || countPlaced(plan) != 3 {
		t.Fatalf("stops %v placed %v", plan.NodeUpdate, planned(plan))
	}
}
