package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// canaryJob is mockJob with count and an update block of max_parallel 1
// and the given number of canaries.
func canaryJob(id string, count, canary int) *structs.Job {
	j := mockJob(id)
	j.TaskGroups[0].Count = count
	j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1, Canary: canary, HealthCheck: "task_states",
		MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute, ProgressDeadline: 10 * time.Minute}
	return j
}

// markHealthy reports allocations running and healthy, as their clients do.
func (h *harness) markHealthy(allocs ...*structs.Allocation) {
	h.t.Helper()
	yes := true
	var updates []*structs.Allocation
	for _, a := range allocs {
		updates = append(updates, &structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusRunning,
			DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &yes, Timestamp: testNow}})
	}
	if err := h.state.UpdateAllocsFromClient(h.nextIndex(), updates); err != nil {
		h.t.Fatal(err)
	}
}

// writeProgress applies a deployment watcher entry changing d.
func (h *harness) writeProgress(p *structs.DeploymentProgress) {
	h.t.Helper()
	if err := h.state.UpdateDeploymentProgress(h.nextIndex(), &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{p}}); err != nil {
		h.t.Fatal(err)
	}
}

// deployedCanaryJob runs version 0 of a canaryJob healthy on count+canary
// nodes, then registers version 1 with a destructive change and runs the
// evaluation that places the canaries.
func deployedCanaryJob(t *testing.T, count, canary int) (*harness, *structs.Job, *structs.Job) {
	t.Helper()
	h := newHarness(t)
	h.addNodes(0, count+canary, nil)
	j := canaryJob("canary", count, canary)
	v0 := h.upsertJob(j)
	h.process(newEval(v0, structs.EvalTriggerJobRegister))
	if live := h.liveAllocs(v0); len(live) != count {
		t.Fatalf("version 0: %d allocations, want %d", len(live), count)
	}
	for _, a := range h.liveAllocs(v0) {
		if isCanary(a) {
			t.Fatalf("first version placed canary %s: canaries are for updates only", a.Name)
		}
	}
	h.markHealthy(h.liveAllocs(v0)...)
	j = j.Copy()
	j.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"command": "/bin/true"}
	v1 := h.upsertJob(j)
	h.process(newEval(v1, structs.EvalTriggerJobRegister))
	return h, v0, v1
}

// byVersion splits live allocations into the old version's and the
// new one's canaries and others.
func byVersion(live []*structs.Allocation, v1 *structs.Job) (old, canaries, others []*structs.Allocation) {
	for _, a := range live {
		switch {
		case a.Job.Version != v1.Version:
			old = append(old, a)
		case isCanary(a):
			canaries = append(canaries, a)
		default:
			others = append(others, a)
		}
	}
	return old, canaries, others
}

func TestCanary_PlacedBesideOldAndWaitsForPromotion(t *testing.T) {
	h, _, v1 := deployedCanaryJob(t, 3, 1)
	plan := h.lastPlan()
	if n := countStopped(plan); n != 0 {
		t.Fatalf("%d allocations stopped for a canary, want none", n)
	}
	if n := countPlaced(plan); n != 1 {
		t.Fatalf("%d placed, want 1 canary", n)
	}
	if du := plan.Annotations; du != nil && du.DesiredTGUpdates["web"].Canary != 1 {
		t.Fatalf("annotations %+v, want Canary 1", du.DesiredTGUpdates["web"])
	}
	old, canaries, others := byVersion(h.liveAllocs(v1), v1)
	if len(old) != 3 || len(canaries) != 1 || len(others) != 0 {
		t.Fatalf("old %s canaries %s others %s, want 3 old and 1 canary", names(old), names(canaries), names(others))
	}
	c := canaries[0]
	if c.Name != structs.AllocName(v1.ID, "web", 0) || c.PreviousAllocation != "" {
		t.Fatalf("canary %s previous %q, want web[0] replacing nothing", c.Name, c.PreviousAllocation)
	}
	d := h.deploymentOf(v1)
	st := d.TaskGroups["web"]
	if d.JobVersion != v1.Version || st.DesiredCanaries != 1 || len(st.PlacedCanaries) != 1 || st.PlacedCanaries[0] != c.ID || st.Promoted {
		t.Fatalf("deployment v%d group %+v, want 1 desired and placed canary %s, not promoted", d.JobVersion, st, c.ID)
	}
	if !d.RequiresPromotion() || c.DeploymentID != d.ID {
		t.Fatalf("deployment does not require promotion or canary not in it")
	}

	// A healthy canary changes nothing until it is promoted, and the
	// client's health report keeps it a canary.
	h.markHealthy(c)
	if !isCanary(h.alloc(c.ID)) {
		t.Fatal("the client's health report cleared the canary flag")
	}
	for i := 0; i < 2; i++ {
		h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
		if p := h.lastPlan(); p != plan {
			t.Fatalf("evaluation before promotion planned %v stopped %d", planned(p), countStopped(p))
		}
	}
	if live := h.liveAllocs(v1); len(live) != 4 {
		t.Fatalf("%d live before promotion, want 4", len(live))
	}
}

func TestCanary_PromotionRollsTheRest(t *testing.T) {
	h, _, v1 := deployedCanaryJob(t, 3, 1)
	_, canaries, _ := byVersion(h.liveAllocs(v1), v1)
	h.markHealthy(canaries...)
	d := h.deploymentOf(v1)
	h.writeProgress(&structs.DeploymentProgress{DeploymentID: d.ID, PromoteGroups: []string{"web"}})
	if d = h.deploymentOf(v1); !d.TaskGroups["web"].Promoted || d.RequiresPromotion() {
		t.Fatalf("group not promoted: %+v", d.TaskGroups["web"])
	}

	// Promotion: the canary stands in for the old web[0], and one more
	// old allocation (max_parallel 1) is replaced.
	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	plan := h.lastPlan()
	if countStopped(plan) != 2 || countPlaced(plan) != 1 {
		t.Fatalf("after promotion: stopped %d placed %v, want 2 stopped and 1 placed", countStopped(plan), planned(plan))
	}
	old, cs, others := byVersion(h.liveAllocs(v1), v1)
	if len(cs) != 1 || cs[0].ID != canaries[0].ID || len(old) != 1 || len(others) != 1 {
		t.Fatalf("old %s canaries %s others %s, want the canary kept, 1 old and 1 new", names(old), names(cs), names(others))
	}
	for _, a := range old {
		if a.Name == canaries[0].Name {
			t.Fatalf("old %s still runs beside its promoted canary", a.Name)
		}
	}

	// Nothing more until the new one is healthy; then the last one.
	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	if p := h.lastPlan(); p != plan {
		t.Fatalf("next batch before health: %v", planned(p))
	}
	h.markHealthy(others...)
	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	old, cs, others = byVersion(h.liveAllocs(v1), v1)
	if len(old) != 0 || len(cs) != 1 || len(others) != 2 {
		t.Fatalf("after the rollout: old %s canaries %s others %s", names(old), names(cs), names(others))
	}
	if got := h.deploymentOf(v1).TaskGroups["web"].PlacedAllocs; got != 3 {
		t.Fatalf("deployment placed %d, want 3 (1 canary, 2 replacements)", got)
	}
}

func TestCanary_BlueGreen(t *testing.T) {
	h, _, v1 := deployedCanaryJob(t, 3, 3)
	plan := h.lastPlan()
	if countStopped(plan) != 0 || countPlaced(plan) != 3 {
		t.Fatalf("blue/green: stopped %d placed %d, want 0 and 3", countStopped(plan), countPlaced(plan))
	}
	old, canaries, _ := byVersion(h.liveAllocs(v1), v1)
	if len(old) != 3 || len(canaries) != 3 {
		t.Fatalf("old %s green %s, want 3 and 3", names(old), names(canaries))
	}
	h.markHealthy(canaries...)
	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	if len(h.liveAllocs(v1)) != 6 {
		t.Fatal("blue stopped before promotion")
	}
	h.writeProgress(&structs.DeploymentProgress{DeploymentID: h.deploymentOf(v1).ID, PromoteGroups: []string{"web"}})
	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	plan = h.lastPlan()
	if countStopped(plan) != 3 || countPlaced(plan) != 0 {
		t.Fatalf("promotion: stopped %d placed %d, want the 3 blue stopped and nothing placed", countStopped(plan), countPlaced(plan))
	}
	old, green, others := byVersion(h.liveAllocs(v1), v1)
	if len(old) != 0 || len(green) != 3 || len(others) != 0 {
		t.Fatalf("after promotion: blue %s green %s others %s", names(old), names(green), names(others))
	}
}

// A failed deployment stops its unpromoted canaries and leaves the old
// version running; the revert the watcher then registers updates the old
// allocations in place and places nothing.
func TestCanary_FailedDeploymentStopsCanaries(t *testing.T) {
	h, v0, v1 := deployedCanaryJob(t, 3, 1)
	_, canaries, _ := byVersion(h.liveAllocs(v1), v1)
	d := h.deploymentOf(v1)
	h.writeProgress(&structs.DeploymentProgress{DeploymentID: d.ID, Status: structs.DeploymentStatusFailed, StatusDescription: structs.DeploymentDescUnhealthyAllocs})

	h.process(newEval(v1, structs.EvalTriggerDeploymentWatcher))
	plan := h.lastPlan()
	if countPlaced(plan) != 0 || countStopped(plan) != 1 || len(plan.NodeUpdate[canaries[0].NodeID]) != 1 {
		t.Fatalf("failed deployment: stopped %d placed %v, want only the canary stopped", countStopped(plan), planned(plan))
	}
	old, cs, _ := byVersion(h.liveAllocs(v1), v1)
	if len(old) != 3 || len(cs) != 0 {
		t.Fatalf("old %s canaries %s, want 3 old and none", names(old), names(cs))
	}

	// The revert: version 2 is version 0's spec again.
	rev := v0.Copy()
	v2 := h.upsertJob(rev)
	h.process(newEval(v2, structs.EvalTriggerJobRegister))
	plan = h.lastPlan()
	if countPlaced(plan) != 3 || countStopped(plan) != 0 {
		t.Fatalf("revert: placed %d stopped %d, want 3 in-place updates", countPlaced(plan), countStopped(plan))
	}
	for _, a := range h.liveAllocs(v2) {
		if a.Job.Version != v2.Version || isCanary(a) {
			t.Fatalf("after revert %s is v%d canary=%t", a.Name, a.Job.Version, isCanary(a))
		}
	}
}

// A newer job version cancels a deployment awaiting promotion: its
// canaries go, and the new version places canaries of its own.
func TestCanary_NewerVersionReplacesCanaries(t *testing.T) {
	h, _, v1 := deployedCanaryJob(t, 3, 1)
	_, first, _ := byVersion(h.liveAllocs(v1), v1)
	j := v1.Copy()
	j.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"command": "/bin/false"}
	v2 := h.upsertJob(j)
	h.process(newEval(v2, structs.EvalTriggerJobRegister))
	old, cs, others := byVersion(h.liveAllocs(v2), v2)
	if len(old) != 3 || len(cs) != 1 || len(others) != 0 || cs[0].ID == first[0].ID {
		t.Fatalf("old %s canaries %s others %s, want 3 old and a new canary", names(old), names(cs), names(others))
	}
	for _, a := range old {
		if a.ID == first[0].ID {
			t.Fatal("the cancelled deployment's canary still runs")
		}
	}
}
