package scheduler

import (
	"fmt"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestService_RegisterPlacesCount(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 10, nil)
	job := h.upsertJob(mockJob("web"))
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	plan := h.lastPlan()
	if got := countPlaced(plan); got != 10 {
		t.Fatalf("placed %d, want 10", got)
	}
	live := h.liveAllocs(job)
	want := "web.web[0],web.web[1],web.web[2],web.web[3],web.web[4],web.web[5],web.web[6],web.web[7],web.web[8],web.web[9]"
	if got := names(live); got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
	e := h.lastEval()
	if e.Status != structs.EvalStatusComplete || len(e.FailedTGAllocs) != 0 || e.QueuedAllocations["web"] != 0 {
		t.Fatalf("eval %+v", e)
	}
	// Every allocation got a dynamic port in range, distinct per node.
	perNode := map[string]map[int]bool{}
	for _, a := range live {
		ports := a.AllocatedResources.Shared.Ports
		if len(ports) != 1 || ports[0].Value < structs.MinDynamicPort || ports[0].Value > structs.MaxDynamicPort || ports[0].To != 8080 {
			t.Fatalf("ports %+v", ports)
		}
		if perNode[a.NodeID] == nil {
			perNode[a.NodeID] = map[int]bool{}
		}
		if perNode[a.NodeID][ports[0].Value] {
			t.Fatalf("port %d given twice on %s", ports[0].Value, a.NodeID)
		}
		perNode[a.NodeID][ports[0].Value] = true
		if a.Metrics == nil || a.Metrics.NodesEvaluated == 0 {
			t.Fatalf("no metrics on %s", a.Name)
		}
	}
}

func TestService_Deterministic(t *testing.T) {
	run := func() []string {
		h := newHarness(t)
		h.addNodes(0, 20, nil)
		job := h.upsertJob(mockJob("web"))
		e := newEval(job, structs.EvalTriggerJobRegister)
		e.ID = "fixed-eval-id"
		h.process(e)
		return planned(h.lastPlan())
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same eval, same state, different plans:\n%v\n%v", a, b)
	}
}

func TestService_ScaleUpAndDown(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 10, nil)
	j := mockJob("web")
	j.TaskGroups[0].Count = 5
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	j.TaskGroups[0].Count = 8
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerScaling))
	plan := h.lastPlan()
	// The five that stay are updated in place to the new version.
	if got := countPlaced(plan); got != 8 || countStopped(plan) != 0 {
		t.Fatalf("scale up placed %v, stopped %d", planned(plan), countStopped(plan))
	}
	if got := names(h.liveAllocs(job)); got != "web.web[0],web.web[1],web.web[2],web.web[3],web.web[4],web.web[5],web.web[6],web.web[7]" {
		t.Fatalf("after scale up: %s", got)
	}

	j.TaskGroups[0].Count = 3
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerScaling))
	plan = h.lastPlan()
	if countStopped(plan) != 5 {
		t.Fatalf("scale down stopped %d, want 5", countStopped(plan))
	}
	// Count-only changes are in-place updates of what stays.
	if got := names(h.liveAllocs(job)); got != "web.web[0],web.web[1],web.web[2]" {
		t.Fatalf("after scale down: %s", got)
	}
	for _, a := range h.liveAllocs(job) {
		if a.Job.Version != job.Version {
			t.Fatalf("%s still at version %d", a.Name, a.Job.Version)
		}
	}

	// Index reuse: scaling up again fills the lowest free indexes.
	j.TaskGroups[0].Count = 5
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerScaling))
	if got := names(h.liveAllocs(job)); got != "web.web[0],web.web[1],web.web[2],web.web[3],web.web[4]" {
		t.Fatalf("after second scale up: %s", got)
	}
}

func TestService_ConstraintFilteredMetrics(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 12, nil)
	j := mockJob("win")
	j.Constraints = []*structs.Constraint{{LTarget: "${attr.kernel.name}", RTarget: "windows", Operand: "="}}
	job := h.upsertJob(j)
	eval := newEval(job, structs.EvalTriggerJobRegister)
	h.process(eval)

	e := h.lastEval()
	m := e.FailedTGAllocs["web"]
	if m == nil {
		t.Fatalf("no failed allocation metric: %+v", e)
	}
	if got := m.ConstraintFiltered["${attr.kernel.name} = windows"]; got != 12 {
		t.Fatalf("ConstraintFiltered = %v, want 12 for the kernel constraint", m.ConstraintFiltered)
	}
	if m.NodesEvaluated != 12 || m.NodesFiltered != 12 || m.CoalescedFailures != 9 || m.NodesAvailable["dc1"] != 12 {
		t.Fatalf("metric %+v", m)
	}
	if e.QueuedAllocations["web"] != 10 {
		t.Fatalf("queued %v", e.QueuedAllocations)
	}
	if len(h.created) != 1 || h.created[0].Status != structs.EvalStatusBlocked || e.BlockedEval != h.created[0].ID {
		t.Fatalf("blocked eval not created: %+v", h.created)
	}
	b := h.created[0]
	if len(b.ClassEligibility) != 1 || b.EscapedComputedClass {
		t.Fatalf("class eligibility %v escaped %v", b.ClassEligibility, b.EscapedComputedClass)
	}
	for _, ok := range b.ClassEligibility {
		if ok {
			t.Fatal("linux class marked eligible for a windows job")
		}
	}
	// The only plan creates the job's first deployment (the default
	// update strategy); it places nothing.
	for _, p := range h.plans {
		if len(p.NodeAllocation) != 0 || len(p.NodeUpdate) != 0 || p.Deployment == nil {
			t.Fatalf("plan beyond the deployment submitted: %+v", p)
		}
	}

	// Running the blocked evaluation again with the same outcome re-blocks it.
	h.created = nil
	h.process(b)
	if len(h.reblocked) != 1 || len(h.created) != 0 {
		t.Fatalf("reblocked %d created %d", len(h.reblocked), len(h.created))
	}
}

func TestService_ResourceExhaustedMetrics(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 7, nil)
	j := mockJob("big")
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].Tasks[0].Resources.MemoryMB = 9000
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil || m.NodesExhausted != 7 || m.DimensionExhausted[structs.DimensionMemory] != 7 {
		t.Fatalf("metric %+v", m)
	}
	if h.created[0].TriggeredBy != structs.EvalTriggerQueuedAllocs {
		t.Fatalf("blocked eval trigger %q", h.created[0].TriggeredBy)
	}
}

func TestService_BinPackFillsNodes(t *testing.T) {
	// Two nodes, one half full with another job: bin-packing picks the
	// fuller one, the spread algorithm the emptier one.
	for _, tc := range []struct {
		algorithm string
		wantBusy  bool
	}{
		{structs.SchedulerAlgorithmBinpack, true},
		{structs.SchedulerAlgorithmSpread, false},
	} {
		t.Run(tc.algorithm, func(t *testing.T) {
			h := newHarness(t)
			h.config = &structs.SchedulerConfiguration{SchedulerAlgorithm: tc.algorithm}
			nodes := h.addNodes(0, 2, nil)
			other := mockJob("other")
			other.TaskGroups[0].Count = 1
			other.TaskGroups[0].Tasks[0].Resources = &structs.Resources{CPU: 2000, MemoryMB: 4000}
			other.TaskGroups[0].Constraints = []*structs.Constraint{{LTarget: "${node.unique.id}", RTarget: nodes[0].ID}}
			oj := h.upsertJob(other)
			h.process(newEval(oj, structs.EvalTriggerJobRegister))

			j := mockJob("pack")
			j.TaskGroups[0].Count = 1
			job := h.upsertJob(j)
			h.process(newEval(job, structs.EvalTriggerJobRegister))
			got := h.liveAllocs(job)[0].NodeID == nodes[0].ID
			if got != tc.wantBusy {
				t.Fatalf("placed on busy node: %v, want %v", got, tc.wantBusy)
			}
		})
	}
}

func TestService_JobAntiAffinitySpreadsGroup(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 10, nil)
	j := mockJob("anti")
	j.TaskGroups[0].Count = 5
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	perNode := map[string]int{}
	for _, a := range h.liveAllocs(job) {
		perNode[a.NodeID]++
	}
	if len(perNode) < 4 {
		t.Fatalf("5 allocations of one group on %d nodes: %v", len(perNode), perNode)
	}
}

func TestService_DistinctHosts(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("dh")
	j.TaskGroups[0].Count = 4
	j.TaskGroups[0].Constraints = []*structs.Constraint{{Operand: structs.ConstraintDistinctHosts}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	seen := map[string]bool{}
	for _, a := range h.liveAllocs(job) {
		if seen[a.NodeID] {
			t.Fatalf("two allocations on %s", a.NodeID)
		}
		seen[a.NodeID] = true
	}
	if len(seen) != 3 {
		t.Fatalf("placed %d", len(seen))
	}
	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil || m.ConstraintFiltered[structs.ConstraintDistinctHosts] != 3 {
		t.Fatalf("metric %+v", m)
	}
}

func TestService_DistinctProperty(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 6, func(n *structs.Node) {
		if n.Name < "node-3" {
			n.Meta["rack"] = "r1"
		} else {
			n.Meta["rack"] = "r2"
		}
	})
	j := mockJob("dp")
	j.TaskGroups[0].Count = 5
	j.TaskGroups[0].Constraints = []*structs.Constraint{{Operand: structs.ConstraintDistinctProperty, LTarget: "${meta.rack}", RTarget: "2"}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	racks := map[string]int{}
	for _, a := range h.liveAllocs(job) {
		n, _ := h.state.NodeByID(nil, a.NodeID)
		racks[n.Meta["rack"]]++
	}
	if racks["r1"] != 2 || racks["r2"] != 2 {
		t.Fatalf("per rack %v, want 2 and 2", racks)
	}
	if h.lastEval().QueuedAllocations["web"] != 1 {
		t.Fatalf("queued %v", h.lastEval().QueuedAllocations)
	}
}

func TestService_SpreadTargets(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 10, nil)
	h.addNodes(10, 10, func(n *structs.Node) { n.Datacenter = "dc2" })
	j := mockJob("spread")
	j.Datacenters = []string{"dc*"}
	j.TaskGroups[0].Spreads = []*structs.Spread{{
		Attribute: "${node.datacenter}", Weight: 100,
		SpreadTarget: []*structs.SpreadTarget{{Value: "dc1", Percent: 70}, {Value: "dc2", Percent: 30}},
	}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	dcs := map[string]int{}
	for _, a := range h.liveAllocs(job) {
		n, _ := h.state.NodeByID(nil, a.NodeID)
		dcs[n.Datacenter]++
	}
	if dcs["dc1"] != 7 || dcs["dc2"] != 3 {
		t.Fatalf("per datacenter %v, want dc1=7 dc2=3", dcs)
	}
}

func TestService_EvenSpread(t *testing.T) {
	h := newHarness(t)
	for i, rack := range []string{"a", "b", "c"} {
		h.addNodes(i*5, 5, func(n *structs.Node) { n.Meta["rack"] = rack })
	}
	j := mockJob("even")
	j.TaskGroups[0].Count = 9
	j.TaskGroups[0].Spreads = []*structs.Spread{{Attribute: "${meta.rack}", Weight: 100}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	racks := map[string]int{}
	for _, a := range h.liveAllocs(job) {
		n, _ := h.state.NodeByID(nil, a.NodeID)
		racks[n.Meta["rack"]]++
	}
	if racks["a"] != 3 || racks["b"] != 3 || racks["c"] != 3 {
		t.Fatalf("per rack %v, want 3 each", racks)
	}
}

func TestService_AffinityPrefersMatchingNodes(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 20, nil)
	h.addNodes(20, 2, func(n *structs.Node) { n.NodeClass = "gpu" })
	j := mockJob("aff")
	j.TaskGroups[0].Count = 2
	j.TaskGroups[0].Affinities = []*structs.Affinity{{LTarget: "${node.class}", RTarget: "gpu", Operand: "=", Weight: 100}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	for _, a := range h.liveAllocs(job) {
		n, _ := h.state.NodeByID(nil, a.NodeID)
		if n.NodeClass != "gpu" {
			t.Fatalf("%s placed on class %q", a.Name, n.NodeClass)
		}
	}
}

func TestService_StaticPortCollision(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockJob("static")
	j.TaskGroups[0].Count = 3
	j.TaskGroups[0].Networks = []*structs.NetworkResource{{ReservedPorts: []structs.Port{{Label: "http", Value: 8080}}}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	if got := len(h.liveAllocs(job)); got != 2 {
		t.Fatalf("placed %d, want 2 (one per node)", got)
	}
	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil || m.DimensionExhausted["network: reserved port collision http=8080"] != 2 {
		t.Fatalf("metric %+v", m)
	}

	// A node's reserved ports are never handed out.
	h2 := newHarness(t)
	h2.addNodes(0, 2, nil)
	j.ID = "ssh"
	j.TaskGroups[0].Networks = []*structs.NetworkResource{{ReservedPorts: []structs.Port{{Label: "ssh", Value: 22}}}}
	job = h2.upsertJob(j)
	h2.process(newEval(job, structs.EvalTriggerJobRegister))
	if len(h2.liveAllocs(job)) != 0 {
		t.Fatal("placed on a node's reserved port")
	}
}

func TestService_LostNodeReplaced(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 4, nil)
	j := mockJob("lost")
	j.TaskGroups[0].Count = 4
	j.TaskGroups[0].Constraints = []*structs.Constraint{{Operand: structs.ConstraintDistinctHosts}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.addNodes(4, 1, nil)

	victim := nodes[1].ID
	var onVictim *structs.Allocation
	for _, a := range h.liveAllocs(job) {
		if a.NodeID == victim {
			onVictim = a
		}
	}
	h.setNodeStatus(victim, structs.NodeStatusDown)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))

	plan := h.lastPlan()
	stops := plan.NodeUpdate[victim]
	if len(stops) != 1 || stops[0].ClientStatus != structs.AllocClientStatusLost || stops[0].DesiredDescription != descLost {
		t.Fatalf("stops on lost node: %d %+v", len(stops), *stops[0])
	}
	placed := plan.NodeAllocation[nodeID(4)]
	if len(placed) != 1 || placed[0].Name != onVictim.Name || placed[0].PreviousAllocation != onVictim.ID {
		t.Fatalf("replacement %+v", placed)
	}
	if got := len(h.liveAllocs(job)); got != 4 {
		t.Fatalf("live %d", got)
	}
}

func TestService_DrainMigrates(t *testing.T) {
	h := newHarness(t)
	nodes := h.addNodes(0, 3, nil)
	j := mockJob("drain")
	j.TaskGroups[0].Count = 6
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	draining := h.liveAllocs(job)[0].NodeID
	var moved int
	for _, a := range h.liveAllocs(job) {
		if a.NodeID == draining {
			moved++
		}
	}
	// A forced drain (its deadline is now) migrates everything at once.
	h.updateNode(draining, func(n *structs.Node) {
		n.Drain = true
		n.DrainStrategy = &structs.DrainStrategy{Deadline: -1}
	})
	_ = nodes
	h.process(newEval(job, structs.EvalTriggerNodeDrain))
	plan := h.lastPlan()
	if len(plan.NodeUpdate[draining]) != moved || plan.NodeUpdate[draining][0].DesiredDescription != descMigrating {
		t.Fatalf("stops %+v", plan.NodeUpdate[draining])
	}
	if countPlaced(plan) != moved || len(plan.NodeAllocation[draining]) != 0 {
		t.Fatalf("migrations placed %v", planned(plan))
	}
	for _, a := range h.liveAllocs(job) {
		if a.NodeID == draining {
			t.Fatalf("%s still on draining node", a.Name)
		}
	}
}

func TestService_JobStoppedAndPurged(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("gone")
	j.TaskGroups[0].Count = 3
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	j.Stop = true
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobDeregister))
	if countStopped(h.lastPlan()) != 3 || len(h.liveAllocs(job)) != 0 {
		t.Fatalf("stopped %d", countStopped(h.lastPlan()))
	}

	// Purged: the job is gone; everything of it still live is stopped.
	h2 := newHarness(t)
	h2.addNodes(0, 3, nil)
	j2 := mockJob("purged")
	j2.TaskGroups[0].Count = 2
	job2 := h2.upsertJob(j2)
	h2.process(newEval(job2, structs.EvalTriggerJobRegister))
	if err := h2.state.DeleteJob(h2.nextIndex(), job2.Namespace, job2.ID); err != nil {
		t.Fatal(err)
	}
	h2.process(newEval(job2, structs.EvalTriggerJobDeregister))
	if countStopped(h2.lastPlan()) != 2 || h2.lastEval().Status != structs.EvalStatusComplete {
		t.Fatalf("purge: stopped %d, eval %s", countStopped(h2.lastPlan()), h2.lastEval().Status)
	}
}

func TestService_NoNodes(t *testing.T) {
	h := newHarness(t)
	job := h.upsertJob(mockJob("lonely"))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	e := h.lastEval()
	if e.QueuedAllocations["web"] != 10 || e.FailedTGAllocs["web"].NodesEvaluated != 0 || len(h.created) != 1 {
		t.Fatalf("eval %+v", e)
	}
}

func TestService_PlanRetriesThenGivesUp(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	job := h.upsertJob(mockJob("retry"))
	h.partial = 2
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	if len(h.plans) != 3 || len(h.liveAllocs(job)) != 10 || h.lastEval().Status != structs.EvalStatusComplete {
		t.Fatalf("plans %d live %d status %s", len(h.plans), len(h.liveAllocs(job)), h.lastEval().Status)
	}

	h2 := newHarness(t)
	h2.addNodes(0, 3, nil)
	job = h2.upsertJob(mockJob("giveup"))
	h2.partial = 100
	h2.process(newEval(job, structs.EvalTriggerJobRegister))
	e := h2.lastEval()
	if len(h2.plans) != maxServiceScheduleAttempts || e.Status != structs.EvalStatusFailed {
		t.Fatalf("plans %d status %s", len(h2.plans), e.Status)
	}
	if len(h2.created) != 1 || h2.created[0].TriggeredBy != structs.EvalTriggerMaxPlans || e.BlockedEval != h2.created[0].ID {
		t.Fatalf("follow-up %+v", h2.created)
	}
}

func TestService_DryRunAnnotates(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("dry")
	j.TaskGroups[0].Count = 4
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	j.TaskGroups[0].Count = 6
	j.TaskGroups[0].Tasks[0].Env = map[string]string{"FOO": "baz"}
	job = h.upsertJob(j)
	e := newEval(job, structs.EvalTriggerJobRegister)
	e.AnnotatePlan = true
	h.process(e)
	// The default update strategy rolls one allocation at a time.
	du := h.lastPlan().Annotations.DesiredTGUpdates["web"]
	if du.Place != 2 || du.DestructiveUpdate != 1 || du.Ignore != 3 || du.Stop != 0 {
		t.Fatalf("annotations %+v", du)
	}
}
