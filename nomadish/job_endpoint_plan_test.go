package nomadish

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func planJob(t *testing.T, s *Server, job *structs.Job) *structs.JobPlanResponse {
	t.Helper()
	var resp structs.JobPlanResponse
	if err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: job, Diff: true}, &resp); err != nil {
		t.Fatalf("plan %s: %v", job.ID, err)
	}
	return &resp
}

func TestJobPlan_NewJobPlacesEverythingAndWritesNothing(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	schedRegisterNode(t, s, schedNode("n1", 4000, 8192))
	before, _ := s.State().LatestIndex()

	resp := planJob(t, s, mockJob("web"))
	if resp.JobModifyIndex != 0 || resp.Diff == nil || resp.Diff.Type != structs.DiffTypeAdded {
		t.Fatalf("plan = %+v diff = %+v", resp, resp.Diff)
	}
	du := resp.Annotations.DesiredTGUpdates["web"]
	if du == nil || du.Place != 2 || du.Ignore != 0 {
		t.Fatalf("desired updates = %+v", du)
	}
	if u := resp.Diff.TaskGroups[0].Updates; u[structs.UpdateTypeCreate] != 2 {
		t.Fatalf("group updates = %v", u)
	}
	if resp.CreatedEvals == nil || len(resp.CreatedEvals) != 0 {
		t.Fatalf("created evals = %v", resp.CreatedEvals)
	}
	after, _ := s.State().LatestIndex()
	if after != before {
		t.Fatalf("plan wrote to the state store: index %d -> %d", before, after)
	}
	if j, _ := s.State().JobByID(nil, "default", "web"); j != nil {
		t.Fatal("plan registered the job")
	}
}

func TestJobPlan_DiffAnnotationsAndCheckIndex(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	schedRegisterNode(t, s, schedNode("n1", 4000, 8192))
	reg := registerJob(t, s, mockJob("web"))
	waitLiveAllocs(t, s, "web", 2)

	// Unchanged: everything ignored, no diff.
	resp := planJob(t, s, mockJob("web"))
	if resp.JobModifyIndex != reg.JobModifyIndex || resp.Diff.Type != structs.DiffTypeNone {
		t.Fatalf("unchanged plan = %+v, diff %s", resp, resp.Diff.Type)
	}
	if du := resp.Annotations.DesiredTGUpdates["web"]; du.Ignore != 2 {
		t.Fatalf("unchanged desired updates = %+v", du)
	}

	// Count up and a destructive config change: the default update
	// strategy replaces one allocation at a time.
	job := mockJob("web")
	job.TaskGroups[0].Count = 3
	job.TaskGroups[0].Tasks[0].Config["run_for"] = "2h"
	resp = planJob(t, s, job)
	du := resp.Annotations.DesiredTGUpdates["web"]
	if du.Place != 1 || du.DestructiveUpdate != 1 || du.Ignore != 1 {
		t.Fatalf("destructive desired updates = %+v", du)
	}
	task := resp.Diff.TaskGroups[0].Tasks[0]
	if task.Annotations[0] != structs.AnnotationForcesDestructiveUpdate {
		t.Fatalf("task annotations = %v", task.Annotations)
	}
	if u := resp.Diff.TaskGroups[0].Updates; u[structs.UpdateTypeCreate] != 1 || u[structs.UpdateTypeDestructiveUpdate] != 1 || u[structs.UpdateTypeIgnore] != 1 {
		t.Fatalf("group updates = %v", u)
	}

	// An in-place change with fewer allocations.
	job = mockJob("web")
	job.TaskGroups[0].Count = 1
	job.TaskGroups[0].Tasks[0].Meta = map[string]string{"build": "42"}
	resp = planJob(t, s, job)
	if du := resp.Annotations.DesiredTGUpdates["web"]; du.Stop != 1 || du.InPlaceUpdate != 1 {
		t.Fatalf("in-place desired updates = %+v", du)
	}

	// Without Diff the diff is left out; the annotations stay.
	var noDiff structs.JobPlanResponse
	if err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: mockJob("web")}, &noDiff); err != nil {
		t.Fatal(err)
	}
	if noDiff.Diff != nil || noDiff.Annotations == nil {
		t.Fatalf("plan without diff = %+v", noDiff)
	}
}

func TestJobPlan_NoCapacityReportsFailedPlacements(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	// Room for one allocation (100 MHz, 300 MB each) of the two.
	schedRegisterNode(t, s, schedNode("small", 150, 400))
	other := schedNode("windows", 4000, 8192)
	other.Attributes["kernel.name"] = "windows"
	schedRegisterNode(t, s, other)

	job := mockJob("web")
	job.Constraints = []*structs.Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "="}}
	resp := planJob(t, s, job)
	if resp.Warnings != "" {
		t.Fatalf("warnings = %q", resp.Warnings)
	}
	if du := resp.Annotations.DesiredTGUpdates["web"]; du == nil || du.Place != 2 {
		t.Fatalf("desired updates = %+v", du)
	}
	m := resp.FailedTGAllocs["web"]
	if m == nil || m.CoalescedFailures != 0 || m.NodesEvaluated != 2 || m.NodesFiltered != 1 || m.NodesExhausted != 1 {
		t.Fatalf("failed allocs = %+v", m)
	}
	if len(m.ConstraintFiltered) != 1 || m.DimensionExhausted[structs.DimensionCPU] != 1 {
		t.Fatalf("filtered %v exhausted %v", m.ConstraintFiltered, m.DimensionExhausted)
	}
	if len(resp.CreatedEvals) != 1 || resp.CreatedEvals[0].Status != structs.EvalStatusBlocked {
		t.Fatalf("created evals = %+v", resp.CreatedEvals)
	}
	if evals, _ := s.State().EvalsByJob(nil, "default", "web"); len(evals) != 0 {
		t.Fatalf("plan wrote evaluations: %v", evals)
	}
}

func TestJobPlan_InvalidJobAndPeriodicLaunch(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 1, 15, 10, 7, 0, 0, time.UTC))
	s := testServer(t, func(c *Config) { c.Clock = clock })
	waitForLeader(t, s)

	bad := mockJob("web")
	bad.TaskGroups[0].Count = -1
	var resp structs.JobPlanResponse
	err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: bad}, &resp)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), `group "web" > count`) {
		t.Fatalf("invalid plan err = %v", err)
	}

	got := planJob(t, s, periodicJob("report", "*/15 * * * *"))
	if want := time.Date(2024, 1, 15, 10, 15, 0, 0, time.UTC); !got.NextPeriodicLaunch.Equal(want) {
		t.Fatalf("next periodic launch = %s, want %s", got.NextPeriodicLaunch, want)
	}
}
