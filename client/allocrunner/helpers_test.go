package allocrunner

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeClock moves only when Advance is called; timers fire when it
// passes their deadline. It is both the runners' Clock and the mock
// driver's.
type fakeClock struct {
	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	ch      chan time.Time
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	return t.ch, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch, _ := c.NewTimer(d)
	return ch
}

// Advance moves the clock and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	var keep []*fakeTimer
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.ch <- c.now
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// Armed counts the timers waiting to fire.
func (c *fakeClock) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// fakeDrivers is a DriverManager over in-process drivers.
type fakeDrivers struct {
	mu sync.Mutex // guards m
	m  map[string]plugin.DriverPlugin
}

func (f *fakeDrivers) Driver(name string) (plugin.DriverPlugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.m[name]
	if !ok {
		return nil, &unknownDriverError{name}
	}
	return d, nil
}

func (f *fakeDrivers) set(name string, d plugin.DriverPlugin) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[name] = d
}

type unknownDriverError struct{ name string }

func (e *unknownDriverError) Error() string { return "no driver named " + e.name }

// recordingDriver records the names of the tasks it starts, in order.
type recordingDriver struct {
	plugin.DriverPlugin
	mu     sync.Mutex // guards starts
	starts []string
}

func (r *recordingDriver) StartTask(ctx context.Context, cfg *plugin.TaskConfig) (*plugin.TaskHandle, error) {
	r.mu.Lock()
	r.starts = append(r.starts, cfg.Name)
	r.mu.Unlock()
	return r.DriverPlugin.StartTask(ctx, cfg)
}

func (r *recordingDriver) started() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.starts...)
}

// harness is one test's client: a fake clock shared by the runners and
// the mock driver, a state DB and the updates the runner sent.
type harness struct {
	t       *testing.T
	dir     string
	clock   *fakeClock
	mock    *mock.Driver
	driver  *recordingDriver
	drivers *fakeDrivers
	db      *state.DB

	mu      sync.Mutex // guards updates
	updates []*structs.Allocation
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatalf("open state db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, dir: dir, clock: newFakeClock(), db: db}
	h.mock = mock.New(mock.Config{Clock: h.clock})
	h.driver = &recordingDriver{DriverPlugin: h.mock}
	h.drivers = &fakeDrivers{m: map[string]plugin.DriverPlugin{"mock": h.driver}}
	return h
}

func (h *harness) config(alloc *structs.Allocation) *Config {
	return &Config{
		Alloc:         alloc,
		Node:          &structs.Node{ID: "node-1", Name: "node-1", Datacenter: "dc1"},
		Region:        "global",
		AllocRoot:     filepath.Join(h.dir, "alloc"),
		StateDB:       h.db,
		Drivers:       h.drivers,
		Clock:         h.clock,
		Updater:       h.record,
		DisableLogmon: true,
		StatsInterval: -1,
	}
}

func (h *harness) record(a *structs.Allocation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updates = append(h.updates, a)
}

func (h *harness) lastUpdate() *structs.Allocation {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.updates) == 0 {
		return nil
	}
	return h.updates[len(h.updates)-1]
}

// start builds a runner and runs it; the test's cleanup shuts it down.
func (h *harness) start(alloc *structs.Allocation) *AllocRunner {
	h.t.Helper()
	ar, err := New(h.config(alloc))
	if err != nil {
		h.t.Fatalf("new alloc runner: %v", err)
	}
	go ar.Run()
	h.t.Cleanup(ar.Shutdown)
	return ar
}

// pump advances the clock by step until cond holds, giving the runners'
// goroutines a moment between steps. Bounded.
func (h *harness) pump(step time.Duration, what string, cond func() bool) {
	h.t.Helper()
	for i := 0; i < 3000; i++ {
		if cond() {
			return
		}
		h.clock.Advance(step)
		time.Sleep(time.Millisecond)
	}
	h.t.Fatalf("timed out pumping the clock until %s", what)
}

// waitFor polls cond, bounded, without touching the clock.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func testAlloc(jobType string, tasks ...*structs.Task) *structs.Allocation {
	job := &structs.Job{
		ID: "job-1", Name: "job-1", Type: jobType, Namespace: "default", Region: "global",
		Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{
			Name:          "web",
			Count:         1,
			RestartPolicy: &structs.RestartPolicy{Attempts: 2, Interval: 10 * time.Minute, Delay: 15 * time.Second, Mode: structs.RestartPolicyModeFail},
			Tasks:         tasks,
		}},
	}
	res := &structs.AllocatedResources{Tasks: map[string]*structs.AllocatedTaskResources{}}
	for _, t := range tasks {
		res.Tasks[t.Name] = &structs.AllocatedTaskResources{
			Cpu:    structs.AllocatedCpuResources{CpuShares: 100},
			Memory: structs.AllocatedMemoryResources{MemoryMB: 64},
		}
	}
	return &structs.Allocation{
		ID: "8a3f1c2e-0000-4000-8000-000000000001", Name: "job-1.web[0]", Namespace: "default",
		NodeID: "node-1", JobID: job.ID, Job: job, TaskGroup: "web",
		AllocatedResources: res, DesiredStatus: structs.AllocDesiredStatusRun,
		ClientStatus: structs.AllocClientStatusPending,
	}
}

func mockTask(name string, cfg map[string]interface{}) *structs.Task {
	return &structs.Task{Name: name, Driver: "mock", Config: cfg, KillTimeout: 5 * time.Second}
}

func taskState(ar *AllocRunner, task string) *structs.TaskState {
	return ar.Alloc().TaskStates[task]
}

// events lists the types of st's events, without the driver's own
// messages (whose timing relative to the runner's is the driver's).
func events(st *structs.TaskState) []string {
	var out []string
	for _, e := range st.Events {
		if e.Type != taskrunner.EventDriver {
			out = append(out, e.Type)
		}
	}
	return out
}

func findEvent(st *structs.TaskState, typ string) *structs.TaskEvent {
	for _, e := range st.Events {
		if e.Type == typ {
			return e
		}
	}
	return nil
}

func clientStatusIs(ar *AllocRunner, status string) func() bool {
	return func() bool { return ar.Alloc().ClientStatus == status }
}

func stateIs(ar *AllocRunner, task, st string) func() bool {
	return func() bool { return taskState(ar, task).State == st }
}
