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

// TestAllocStop_NoShutdownDelayReachesTheStoppedAlloc: `alloc stop
// -no-shutdown-delay` marks the allocation, and the stop the scheduler
// writes (the version the client pulls, AllocModifyIndex having moved)
// still carries the mark; a plain stop carries none.
func TestAllocStop_NoShutdownDelayReachesTheStoppedAlloc(t *testing.T) {
	s := schedServer(t, nil)
	schedRegisterNode(t, s, schedNode("node-1", 4000, 8192))
	job := mockJob("web")
	registerJob(t, s, job)
	allocs := waitLiveAllocs(t, s, "web", 2)
	quick, plain := allocs[0], allocs[1]

	for _, c := range []struct {
		alloc   *structs.Allocation
		noDelay bool
	}{{quick, true}, {plain, false}} {
		var resp structs.AllocStopResponse
		if err := s.RPC("Alloc.Stop", &structs.AllocStopRequest{AllocID: c.alloc.ID, NoShutdownDelay: c.noDelay}, &resp); err != nil {
			t.Fatal(err)
		}
		waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusComplete))
		got, err := s.State().AllocByID(nil, c.alloc.ID)
		if err != nil || got == nil {
			t.Fatalf("alloc %s: %v %v", c.alloc.ID, got, err)
		}
		if got.DesiredStatus != structs.AllocDesiredStatusStop || got.AllocModifyIndex <= c.alloc.AllocModifyIndex {
			t.Fatalf("alloc %s not stopped by the scheduler: desired %q, AllocModifyIndex %d (was %d)",
				got.ID, got.DesiredStatus, got.AllocModifyIndex, c.alloc.AllocModifyIndex)
		}
		if got.DesiredTransition.NoShutdownDelay != c.noDelay || !got.DesiredTransition.Migrate {
			t.Fatalf("alloc %s (no_shutdown_delay %v): DesiredTransition = %+v", got.ID, c.noDelay, got.DesiredTransition)
		}
	}
	waitLiveAllocs(t, s, "web", 2)
}
