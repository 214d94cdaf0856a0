package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// deploymentOf is the job's latest deployment as the state store holds
// it after the harness applied the plans.
func (h *harness) deploymentOf(j *structs.Job) *structs.Deployment {
	h.t.Helper()
	d, err := h.state.LatestDeploymentByJobID(nil, j.Namespace, j.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	if d == nil {
		h.t.Fatalf("job %q has no deployment", j.ID)
	}
	return d
}

// A group that no node can run (its driver is missing everywhere) blocks
// its evaluation; the deployment the evaluation created must not count
// the placement that never happened.
func TestDeployment_FailedPlacementIsNotCounted(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("web")
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].Tasks[0].Driver = "docker"
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	if live := h.liveAllocs(job); len(live) != 0 {
		t.Fatalf("allocations %s, want none", names(live))
	}
	if e := h.lastEval(); len(e.FailedTGAllocs) != 1 {
		t.Fatalf("failed groups %+v, want web", e.FailedTGAllocs)
	}
	st := h.deploymentOf(job).TaskGroups["web"]
	if st == nil || st.PlacedAllocs != 0 || st.DesiredTotal != 1 {
		t.Fatalf("deployment group %+v, want 0 placed of 1", st)
	}
}

// When only some placements fit, the deployment counts those that were
// made, and a later evaluation that places the rest adds them once.
func TestDeployment_CountsOnlyPlacedAllocs(t *testing.T) {
	h := newHarness(t)
	// Each node fits seven tasks of 500 MHz (3900 MHz free); two nodes
	// fit 14 of the 20 asked.
	h.addNodes(0, 2, nil)
	j := mockJob("web")
	j.TaskGroups[0].Count = 20
	j.TaskGroups[0].Update.MaxParallel = 20
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	live := len(h.liveAllocs(job))
	if live == 0 || live == 20 {
		t.Fatalf("%d allocations placed, want some but not all", live)
	}
	d := h.deploymentOf(job)
	if got := d.TaskGroups["web"].PlacedAllocs; got != live {
		t.Fatalf("deployment placed %d, allocations %d", got, live)
	}

	// More capacity: the blocked evaluation's retry places the rest into
	// the same deployment.
	h.addNodes(2, 2, nil)
	h.process(newEval(job, structs.EvalTriggerQueuedAllocs))
	if live = len(h.liveAllocs(job)); live != 20 {
		t.Fatalf("%d allocations after more nodes, want 20", live)
	}
	d2 := h.deploymentOf(job)
	if d2.ID != d.ID || d2.TaskGroups["web"].PlacedAllocs != 20 {
		t.Fatalf("deployment %s placed %d, want %s with 20", d2.ID, d2.TaskGroups["web"].PlacedAllocs, d.ID)
	}
}
