package allocrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// A script check that keeps failing restarts its task through the restart
// policy after check_restart's limit, with an event naming the check; the
// results are readable from the runner.
func TestCheckRestartRestartsTheTask(t *testing.T) {
	h := newHarness(t)
	api := mockTask("api", map[string]interface{}{"run_for": "1h"})
	api.Services = []*structs.Service{{Name: "web", Checks: []*structs.ServiceCheck{{
		Name: "health", Type: "script", Command: "exit", Args: []string{"1"},
		Interval: 10 * time.Second, Timeout: 2 * time.Second,
		CheckRestart: &structs.CheckRestart{Limit: 3, Grace: 5 * time.Second},
	}}}}
	ar := h.start(testAlloc(structs.JobTypeService, api))
	waitFor(t, "api running", stateIs(ar, "api", structs.TaskStateRunning))

	h.pump(time.Second, "a restart by check_restart", func() bool {
		st := taskState(ar, "api")
		return st.Restarts >= 1 && st.State == structs.TaskStateRunning
	})
	st := taskState(ar, "api")
	ev := findEvent(st, checks.EventRestartingForCheck)
	if ev == nil || ev.Message != `check "health" failed 3 times; restarting` {
		t.Fatalf("no check_restart event naming the check; events %v (%+v)", events(st), ev)
	}
	if st.Failed {
		t.Fatal("the task is marked failed after its first check restart; the policy allows 2")
	}

	id := checks.CheckID(ar.Alloc().ID, "web", "api", "web", "health")
	// The restarted task is checked again through its driver's exec.
	h.pump(time.Second, "a check of the restarted task", func() bool {
		r := ar.CheckResults()[id]
		return r != nil && strings.Contains(r.Output, "exit code 1")
	})
	res := ar.CheckResults()
	r := res[id]
	if len(res) != 1 || r == nil {
		t.Fatalf("results %v, want one under %s", res, id)
	}
	if r.Service != "web" || r.Task != "api" || r.Check != "health" || r.Mode != structs.CheckModeHealthiness {
		t.Fatalf("result %+v", r)
	}
	if r.Status != structs.CheckFailure {
		t.Fatalf("result status %q output %q, want failure", r.Status, r.Output)
	}
}

func TestAllocWithoutChecksHasNoResults(t *testing.T) {
	h := newHarness(t)
	ar := h.start(testAlloc(structs.JobTypeService, mockTask("api", map[string]interface{}{"run_for": "1h"})))
	waitFor(t, "api running", stateIs(ar, "api", structs.TaskStateRunning))
	if ar.CheckTracker() != nil || len(ar.CheckResults()) != 0 {
		t.Fatalf("an allocation without checks has results: %v", ar.CheckResults())
	}
}

func TestBoundedBuffer(t *testing.T) {
	b := &boundedBuffer{max: 4}
	if n, err := b.Write([]byte("abcdef")); n != 6 || err != nil {
		t.Fatalf("write: %d %v; a bounded writer must not fail the writer", n, err)
	}
	_, _ = b.Write([]byte("gh"))
	if string(b.Bytes()) != "abcd" {
		t.Fatalf("kept %q, want abcd", b.Bytes())
	}
}
