package nomadish

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestAllocStop(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")

	var resp structs.AllocStopResponse
	if err := s.RPC("Alloc.Stop", &structs.AllocStopRequest{AllocID: "a1"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.EvalID == "" || resp.Index == 0 {
		t.Fatalf("stop = %+v", resp)
	}
	alloc, err := s.State().AllocByID(nil, "a1")
	if err != nil || alloc == nil {
		t.Fatalf("alloc: %v %v", alloc, err)
	}
	if !alloc.DesiredTransition.Migrate {
		t.Fatalf("alloc not marked for migration: %+v", alloc.DesiredTransition)
	}
	eval, err := s.State().EvalByID(nil, resp.EvalID)
	if err != nil || eval == nil {
		t.Fatalf("eval %s: %v %v", resp.EvalID, eval, err)
	}
	if eval.TriggeredBy != structs.EvalTriggerAllocStop || eval.JobID != "web" || eval.Type != job.Type {
		t.Fatalf("eval = %+v", eval)
	}

	if err := s.RPC("Alloc.Stop", &structs.AllocStopRequest{AllocID: "nope"}, &resp); !structs.IsErrNotFound(err) {
		t.Fatalf("stop missing: %v", err)
	}
	if err := s.RPC("Alloc.Stop", &structs.AllocStopRequest{}, &resp); !structs.IsValidationError(err) {
		t.Fatalf("stop without ID: %v", err)
	}
}
