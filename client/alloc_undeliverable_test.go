package client

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nestedConfig is a task Config nested depth levels of maps deep.
func nestedConfig(depth int) map[string]interface{} {
	var v interface{} = "bottom"
	for i := 1; i < depth; i++ {
		v = map[string]interface{}{"k": v}
	}
	return map[string]interface{}{"k": v}
}

func allocWithConfig(id, nodeID string, cfg map[string]interface{}) *structs.Allocation {
	a := testAlloc(id, nodeID)
	a.JobID = id + "-job"
	a.Job = &structs.Job{ID: a.JobID, Type: structs.JobTypeService, TaskGroups: []*structs.TaskGroup{{
		Name: "group", Count: 1, Tasks: []*structs.Task{{Name: "app", Driver: "mock", Config: cfg}},
	}}}
	return a
}

// TestUndeliverableAllocIsFailedOthersRun is the node-poisoning scenario:
// one allocation whose job nests its task Config past what the client's
// decoder accepts, next to a good one. Before the fix the whole
// Alloc.GetAllocs answer failed to decode, forever, and neither ran; now
// the good one runs, the bad one is failed with the reason, and the node
// keeps taking new allocations.
func TestUndeliverableAllocIsFailedOthersRun(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	bad := allocWithConfig("bad", c.NodeID(), nestedConfig(structs.MaxDeliverableConfigDepth+1))
	good := allocWithConfig("good", c.NodeID(), map[string]interface{}{"run_for": "1h"})
	srv.setAllocs(bad, good)

	waitFor(t, "a runner for the good allocation", func() bool { return runners.get("good") != nil })
	// The bad allocation's report may be queued after the good one's
	// batch went: send each batch the batcher arms until it arrives.
	waitFor(t, "the failed status of the bad one at the server", func() bool {
		if srv.clientStatus("bad") == structs.AllocClientStatusFailed {
			return true
		}
		if clock.armedFor(DefaultUpdateInterval) {
			clock.Advance(DefaultUpdateInterval)
		}
		return false
	})
	if runners.get("bad") != nil {
		t.Fatal("a runner was started for the allocation that could not be sent")
	}
	var report *structs.Allocation
	for _, u := range srv.allocUpdates() {
		for _, a := range u.Alloc {
			if a.ID == "bad" {
				report = a
			}
		}
	}
	if report == nil {
		t.Fatal("no report of the bad allocation")
	}
	for _, want := range []string{"cannot be sent to its client", "TaskGroups[0].Tasks[0].Config", "1015"} {
		if !strings.Contains(report.ClientDescription, want) {
			t.Errorf("ClientDescription %q does not say %q", report.ClientDescription, want)
		}
	}
	ts := report.TaskStates["app"]
	if ts == nil || !ts.Failed || ts.State != structs.TaskStateDead || len(ts.Events) != 1 ||
		ts.Events[0].Type != "Setup Failure" || !ts.Events[0].FailsTask || ts.Events[0].Message != report.ClientDescription {
		t.Fatalf("task state of the bad allocation = %+v", ts)
	}

	// The node is not poisoned: a later allocation is fetched and run,
	// and the bad one is not asked for again.
	srv.setAlloc(allocWithConfig("later", c.NodeID(), map[string]interface{}{"run_for": "1h"}))
	waitFor(t, "a runner for the later allocation", func() bool { return runners.get("later") != nil })
	if got := srv.lastPull(); len(got) != 1 || got[0] != "later" {
		t.Fatalf("last fetch asked for %v, want [later]", got)
	}
}

// An undeliverable allocation the servers already want stopped, or that
// already failed, is not reported failed again.
func TestUndeliverableStoppedAllocIsNotFailed(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	deep := nestedConfig(structs.MaxDeliverableConfigDepth + 1)
	stopped := allocWithConfig("stopped", c.NodeID(), deep)
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	failed := allocWithConfig("failed", c.NodeID(), deep)
	failed.ClientStatus = structs.AllocClientStatusFailed
	srv.setAllocs(stopped, failed)
	syncUpdates(t, clock)
	waitFor(t, "the stopped allocation to be acknowledged", func() bool {
		return srv.clientStatus("stopped") == structs.AllocClientStatusComplete
	})
	for _, u := range srv.allocUpdates() {
		for _, a := range u.Alloc {
			if a.ID == "failed" {
				t.Fatalf("the already failed allocation was reported again: %+v", a)
			}
		}
	}
	if n := runners.count(); n != 0 {
		t.Errorf("%d runners started", n)
	}
}
