package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestSystem_OnePerNodeAndNewNodes(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 5, nil)
	h.addNodes(5, 1, func(n *structs.Node) { n.Datacenter = "dc9" })
	h.addNodes(6, 1, func(n *structs.Node) { n.Attributes["kernel.name"] = "windows" })
	j := mockSystemJob("sys")
	j.Constraints = []*structs.Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux"}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	if got := countPlaced(h.lastPlan()); got != 5 {
		t.Fatalf("placed %d, want 5", got)
	}
	e := h.lastEval()
	if len(e.FailedTGAllocs) != 0 || len(h.created) != 0 {
		t.Fatalf("a filtered node counted as a failure: %+v", e.FailedTGAllocs)
	}
	for _, a := range h.liveAllocs(job) {
		if a.Name != "sys.web[0]" {
			t.Fatalf("name %s", a.Name)
		}
	}

	// A new node gets its allocation; nothing else changes.
	h.addNodes(10, 1, nil)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	plan := h.lastPlan()
	if len(plan.NodeAllocation) != 1 || len(plan.NodeAllocation[nodeID(10)]) != 1 || countStopped(plan) != 0 {
		t.Fatalf("new node: placed %v stopped %d", planned(plan), countStopped(plan))
	}

	// A down node's allocation is lost; an ineligible node keeps its own.
	h.setNodeStatus(nodes[0].ID, structs.NodeStatusDown)
	h.updateNode(nodes[1].ID, func(n *structs.Node) { n.SchedulingEligibility = structs.NodeSchedulingIneligible })
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	plan = h.lastPlan()
	if len(plan.NodeUpdate) != 1 || plan.NodeUpdate[nodes[0].ID][0].ClientStatus != structs.AllocClientStatusLost || countPlaced(plan) != 0 {
		t.Fatalf("down node: stopped %+v placed %v", plan.NodeUpdate, planned(plan))
	}
	live := map[string]bool{}
	for _, a := range h.liveAllocs(job) {
		live[a.NodeID] = true
	}
	if !live[nodes[1].ID] || live[nodes[0].ID] || len(live) != 5 {
		t.Fatalf("live on %v", live)
	}
}

func TestSystem_DrainStopsUnlessIgnored(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 2, nil)
	job := h.upsertJob(mockSystemJob("sysdrain"))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.updateNode(nodes[0].ID, func(n *structs.Node) {
		n.Drain = true
		n.DrainStrategy = &structs.DrainStrategy{Deadline: -1, IgnoreSystemJobs: true}
	})
	// Without a deadline, the allocation waits for the drainer to mark it.
	h.updateNode(nodes[1].ID, func(n *structs.Node) { n.Drain = true; n.DrainStrategy = &structs.DrainStrategy{} })
	before := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	if len(h.plans) != before {
		t.Fatalf("unmarked system alloc moved: %v", h.lastPlan().NodeUpdate)
	}
	for _, a := range h.liveAllocs(job) {
		if a.NodeID == nodes[1].ID {
			h.markMigrate(a)
		}
	}
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	plan := h.lastPlan()
	if len(plan.NodeUpdate[nodes[1].ID]) != 1 || len(plan.NodeUpdate[nodes[0].ID]) != 0 || countPlaced(plan) != 0 {
		t.Fatalf("drain: stops %v placed %v", plan.NodeUpdate, planned(plan))
	}
}

func TestSystem_ExhaustedNodeFailsWithMetrics(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockSystemJob("sysbig")
	j.TaskGroups[0].Tasks[0].Resources.CPU = 5000
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	e := h.lastEval()
	m := e.FailedTGAllocs["web"]
	if m == nil || m.DimensionExhausted[structs.DimensionCPU] != 3 || m.CoalescedFailures != 2 || e.QueuedAllocations["web"] != 3 {
		t.Fatalf("metric %+v queued %v", m, e.QueuedAllocations)
	}
	if len(h.created) != 1 || h.created[0].Status != structs.EvalStatusBlocked {
		t.Fatalf("blocked eval %+v", h.created)
	}
}

func TestSystem_RollingDestructiveUpdate(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 4, nil)
	j := mockSystemJob("sysroll")
	j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1, Stagger: 30 * time.Second}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	j.TaskGroups[0].Tasks[0].Env = map[string]string{"FOO": "new"}
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	if countStopped(plan) != 1 || countPlaced(plan) != 1 {
		t.Fatalf("stopped %d placed %d", countStopped(plan), countPlaced(plan))
	}
	for node := range plan.NodeUpdate {
		if len(plan.NodeAllocation[node]) != 1 {
			t.Fatal("replacement not on the same node")
		}
	}
	if len(h.created) != 1 || h.created[0].TriggeredBy != structs.EvalTriggerRollingUpdate || !h.created[0].WaitUntil.Equal(testNow.Add(30*time.Second)) {
		t.Fatalf("follow-up %+v", h.created)
	}
}

func TestSysBatch_DoesNotRerunCompleted(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockSystemJob("sb")
	j.Type = structs.JobTypeSysBatch
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.setClientStatus(structs.AllocClientStatusComplete, testNow, h.liveAllocs(job)...)
	plans := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if len(h.plans) != plans {
		t.Fatalf("completed sysbatch allocations rerun: %v", planned(h.lastPlan()))
	}
	h.addNodes(3, 1, nil)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if countPlaced(h.lastPlan()) != 1 {
		t.Fatalf("new node not run: %v", planned(h.lastPlan()))
	}
}

// fillNode places a low-priority service job using most of node 0.
func fillNode(t *testing.T, h *harness, id string, priority int) *structs.Job {
	t.Helper()
	low := mockJob(id)
	low.Priority = priority
	low.TaskGroups[0].Count = 1
	low.TaskGroups[0].Networks = nil
	low.TaskGroups[0].Tasks[0].Resources = &structs.Resources{CPU: 3500, MemoryMB: 1024}
	job := h.upsertJob(low)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	if len(h.liveAllocs(job)) != 1 {
		t.Fatal("filler not placed")
	}
	return job
}

func TestSystem_PreemptsLowerPriority(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 1, nil)
	low := fillNode(t, h, "low", 20)
	victim := h.liveAllocs(low)[0]

	j := mockSystemJob("critical")
	j.TaskGroups[0].Tasks[0].Resources.CPU = 1000
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	pre := plan.NodePreemptions[victim.NodeID]
	if len(pre) != 1 || pre[0].ID != victim.ID || pre[0].DesiredStatus != structs.AllocDesiredStatusEvict {
		t.Fatalf("preemptions %+v", plan.NodePreemptions)
	}
	placed := plan.NodeAllocation[victim.NodeID][0]
	if len(placed.PreemptedAllocations) != 1 || pre[0].PreemptedByAllocation != placed.ID {
		t.Fatalf("preemption not linked: %+v", placed.PreemptedAllocations)
	}
	if len(h.liveAllocs(low)) != 0 {
		t.Fatal("preempted allocation still live")
	}
}

func TestSystem_NoPreemptionWithinDelta(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 1, nil)
	fillNode(t, h, "peer", 95)
	j := mockSystemJob("critical")
	j.TaskGroups[0].Tasks[0].Resources.CPU = 1000
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	if len(h.lastEval().FailedTGAllocs) != 1 {
		t.Fatal("preempted a job of priority within 10")
	}
}

func TestService_PreemptionFollowsConfig(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		h := newHarness(t)
		h.config = &structs.SchedulerConfiguration{PreemptionConfig: structs.PreemptionConfig{ServiceSchedulerEnabled: enabled}}
		h.addNodes(0, 1, nil)
		fillNode(t, h, "low", 10)
		j := mockJob("high")
		j.Priority = 80
		j.TaskGroups[0].Count = 1
		j.TaskGroups[0].Tasks[0].Resources.CPU = 1000
		job := h.upsertJob(j)
		e := newEval(job, structs.EvalTriggerJobRegister)
		e.AnnotatePlan = true
		h.process(e)
		placed := len(h.liveAllocs(job)) == 1
		if placed != enabled {
			t.Fatalf("preemption enabled=%v: placed=%v", enabled, placed)
		}
		if enabled && h.lastPlan().Annotations.DesiredTGUpdates["web"].Preemptions != 1 {
			t.Fatalf("annotations %+v", h.lastPlan().Annotations.DesiredTGUpdates["web"])
		}
	}
}
