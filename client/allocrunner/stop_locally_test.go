package allocrunner

import (
	"testing"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestStopLocally: the client's own stop records its reason on the task,
// kills it as a desired stop would, and ends the allocation complete, not
// failed; a second call does nothing more.
func TestStopLocally(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	reason := taskrunner.NewEvent(taskrunner.EventKilling, "no server reached for 45s")
	ar.StopLocally(reason)
	ar.StopLocally(reason)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	st := taskState(ar, "web")
	if st.Failed || findEvent(st, taskrunner.EventKilled) == nil {
		t.Fatalf("events %q failed=%v, want killed and not failed", events(st), st.Failed)
	}
	n := 0
	for _, ev := range st.Events {
		if ev.Message == reason.Message {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the reason was recorded %d times, want once: %q", n, events(st))
	}
	waitFor(t, "the complete report", func() bool {
		last := h.lastUpdate()
		return last != nil && last.ClientStatus == structs.AllocClientStatusComplete
	})
}

// TestStopLocallyBeforeRun: an allocation stopped before its runner ran
// starts nothing.
func TestStopLocallyBeforeRun(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar, err := New(h.config(alloc))
	if err != nil {
		t.Fatal(err)
	}
	ar.StopLocally(taskrunner.NewEvent(taskrunner.EventKilling, "no server reached"))
	go ar.Run()
	t.Cleanup(ar.Shutdown)
	<-ar.WaitCh()
	if got := h.driver.started(); len(got) != 0 {
		t.Errorf("started %v, want nothing", got)
	}
	if a := ar.Alloc(); a.ClientStatus != structs.AllocClientStatusComplete {
		t.Errorf("client status %q, want complete", a.ClientStatus)
	}
}
