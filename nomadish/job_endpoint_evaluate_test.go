package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestJobEvaluate(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	reg := registerJob(t, s, mockJob("web"))
	registerJob(t, s, periodicJob("report", "@daily"))
	registerJob(t, s, parameterizedJob("render", ""))

	var resp structs.JobRegisterResponse
	if err := s.RPC("Job.Evaluate", &structs.JobEvaluateRequest{JobID: "web"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.EvalID == "" || resp.EvalID == reg.EvalID || resp.JobModifyIndex != reg.JobModifyIndex {
		t.Fatalf("evaluate = %+v", resp)
	}
	// The registration's and Evaluate's; a worker may have added a
	// blocked one for the job's queued allocations (there are no nodes).
	evals, _ := s.State().EvalsByJob(nil, "default", "web")
	var mine int
	for _, e := range evals {
		if e.TriggeredBy != structs.EvalTriggerQueuedAllocs {
			mine++
		}
	}
	if mine != 2 {
		t.Fatalf("%d evals besides blocked ones, want 2", mine)
	}
	for id, want := range map[string]string{"report": "is periodic", "render": "is parameterized"} {
		err := s.RPC("Job.Evaluate", &structs.JobEvaluateRequest{JobID: id}, &resp)
		if !structs.IsValidationError(err) || !strings.Contains(err.Error(), want) {
			t.Fatalf("evaluate %s: %v", id, err)
		}
	}
	if err := s.RPC("Job.Evaluate", &structs.JobEvaluateRequest{JobID: "nope"}, &resp); !structs.IsErrNotFound(err) {
		t.Fatalf("evaluate missing: %v", err)
	}
}
