package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A multiregion job's version waits for its turn: the first evaluation
// creates a pending multiregion deployment and places nothing; once the
// regions' leaders set it running, the next evaluation places the job.
func TestMultiregionVersionWaitsForItsTurn(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := canaryJob("mr", 3, 0)
	j.Multiregion = &structs.Multiregion{Regions: []*structs.MultiregionRegion{{Name: "global"}, {Name: "eu"}}}
	v0 := h.upsertJob(j)
	h.process(newEval(v0, structs.EvalTriggerJobRegister))
	if live := h.liveAllocs(v0); len(live) != 0 {
		t.Fatalf("%d allocations placed before the region's turn", len(live))
	}
	d, err := h.state.LatestDeploymentByJobID(nil, v0.Namespace, v0.ID)
	if err != nil || d == nil {
		t.Fatalf("no deployment created: %v", err)
	}
	if d.Status != structs.DeploymentStatusPending || !d.IsMultiregion || d.TaskGroups["web"] == nil {
		t.Fatalf("deployment %+v; want a pending multiregion deployment of group web", d)
	}

	// Processed again while pending: still nothing, no second deployment.
	h.process(newEval(v0, structs.EvalTriggerJobRegister))
	if live := h.liveAllocs(v0); len(live) != 0 {
		t.Fatalf("%d allocations placed while pending", len(live))
	}
	if again, _ := h.state.LatestDeploymentByJobID(nil, v0.Namespace, v0.ID); again.ID != d.ID {
		t.Fatalf("a second deployment %s was created while %s is pending", again.ID, d.ID)
	}

	h.writeProgress(&structs.DeploymentProgress{DeploymentID: d.ID, Status: structs.DeploymentStatusRunning})
	h.process(newEval(v0, structs.EvalTriggerDeploymentWatcher))
	live := h.liveAllocs(v0)
	if len(live) != 3 {
		t.Fatalf("%d allocations once running; want 3", len(live))
	}
	for _, a := range live {
		if a.DeploymentID != d.ID {
			t.Fatalf("allocation %s joined deployment %q; want %s", a.Name, a.DeploymentID, d.ID)
		}
	}

	// A job of a single region does not wait.
	h2 := newHarness(t)
	h2.addNodes(0, 3, nil)
	one := canaryJob("one", 3, 0)
	one.Multiregion = &structs.Multiregion{Regions: []*structs.MultiregionRegion{{Name: "global"}}}
	o := h2.upsertJob(one)
	h2.process(newEval(o, structs.EvalTriggerJobRegister))
	if live := h2.liveAllocs(o); len(live) != 3 {
		t.Fatalf("single-region multiregion job: %d allocations; want 3 at once", len(live))
	}
}
