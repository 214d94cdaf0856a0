package allocrunner

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/clienttest"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The fake clock (shared with the mock driver) and driver manager come
// from clienttest.
type (
	fakeClock   = clienttest.Clock
	fakeDrivers = clienttest.Drivers
)

var newFakeClock = clienttest.NewClock

// driversWith is a driver manager holding d under name.
func driversWith(name string, d plugin.DriverPlugin) *fakeDrivers {
	f := clienttest.NewDrivers()
	f.Set(name, d)
	return f
}

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
	h.drivers = driversWith("mock", h.driver)
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
