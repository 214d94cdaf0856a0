package checks

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/clienttest"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// waitFor polls cond until it holds, failing the test after a bound; it
// is for results that a real listener or goroutine produces.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// runs is how many results the check has recorded.
func (t *Tracker) runs(id string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, st := range t.checks {
		if st.check.ID == id {
			return st.runs
		}
	}
	return -1
}

// harness runs a tracker on a fake clock and steps it one run at a time.
type harness struct {
	t     *testing.T
	clock *clienttest.Clock
	tr    *Tracker
}

func newHarness(t *testing.T, cfg TrackerConfig) *harness {
	t.Helper()
	clock := clienttest.NewClock()
	cfg.Clock = clock
	if cfg.Alloc == nil {
		cfg.Alloc = &structs.Allocation{ID: "a1"}
	}
	h := &harness{t: t, clock: clock, tr: NewTracker(cfg)}
	t.Cleanup(h.tr.Stop)
	return h
}

// check returns a check of service "web" in group "g" running def.
func testCheck(def *structs.ServiceCheck) *Check {
	if def.Interval == 0 {
		def.Interval = 10 * time.Second
	}
	if def.Timeout == 0 {
		def.Timeout = 2 * time.Second
	}
	return &Check{
		ID: CheckID("a1", "g", "", "web", def.Name), Group: "g", Service: "web",
		PortLabel: "http", Mode: structs.CheckModeHealthiness, Def: def,
	}
}

// start starts the tracker and waits for the first run of check id.
func (h *harness) start(id string) *structs.CheckQueryResult {
	h.tr.Start()
	return h.waitRuns(id, 1)
}

// next advances the clock by the check's interval and waits for its next
// result.
func (h *harness) next(id string, interval time.Duration) *structs.CheckQueryResult {
	n := h.tr.runs(id)
	h.clock.Advance(interval)
	return h.waitRuns(id, n+1)
}

func (h *harness) waitRuns(id string, n int) *structs.CheckQueryResult {
	h.t.Helper()
	waitFor(h.t, "a check result", func() bool { return h.tr.runs(id) >= n })
	return h.tr.Results()[id]
}

// fakeExec answers script checks with what the test sets.
type fakeExec struct {
	mu     sync.Mutex
	code   int
	output string
	calls  [][]string
	tasks  []string
}

func (f *fakeExec) set(code int, output string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.code, f.output = code, output
}

func (f *fakeExec) exec(_ context.Context, task string, cmd []string) (int, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, cmd)
	f.tasks = append(f.tasks, task)
	return f.code, []byte(f.output), nil
}
