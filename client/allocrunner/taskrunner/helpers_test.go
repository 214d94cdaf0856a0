package taskrunner

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocdir"
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

// testEnv is one task runner's world: a fake clock shared with an
// in-process mock driver, and a built allocation directory.
type testEnv struct {
	clock    *fakeClock
	mock     *mock.Driver
	drivers  *fakeDrivers
	allocDir *allocdir.AllocDir
	alloc    *structs.Allocation
}

func newTestEnv(t *testing.T, jobType string, task *structs.Task) *testEnv {
	t.Helper()
	clock := newFakeClock()
	m := mock.New(mock.Config{Clock: clock})
	root := t.TempDir()
	alloc := &structs.Allocation{
		ID: "5b7e2c1a-0000-4000-8000-000000000002", Name: "job.g[0]", JobID: "job", TaskGroup: "g",
		Job: &structs.Job{ID: "job", Name: "job", Type: jobType, TaskGroups: []*structs.TaskGroup{{
			Name:          "g",
			RestartPolicy: &structs.RestartPolicy{Attempts: 1, Interval: time.Hour, Delay: 10 * time.Second, Mode: structs.RestartPolicyModeFail},
			Tasks:         []*structs.Task{task},
		}}},
	}
	d := allocdir.New(root, alloc.ID)
	if err := d.Build([]string{task.Name}); err != nil {
		t.Fatalf("build alloc dir: %v", err)
	}
	return &testEnv{
		clock:    clock,
		mock:     m,
		drivers:  &fakeDrivers{m: map[string]plugin.DriverPlugin{"mock": m}},
		allocDir: d,
		alloc:    alloc,
	}
}

func (e *testEnv) config(task *structs.Task) *Config {
	return &Config{
		Alloc:         e.alloc,
		Task:          task,
		AllocDir:      e.allocDir,
		Drivers:       e.drivers,
		Clock:         e.clock,
		DisableLogmon: true,
		StatsInterval: -1,
	}
}

func (e *testEnv) runner(t *testing.T, task *structs.Task) *TaskRunner {
	t.Helper()
	tr, err := New(e.config(task))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (e *testEnv) setup(task *structs.Task) *Setup {
	return &Setup{Task: task, Alloc: e.alloc, Driver: e.mock, TaskDir: e.allocDir.TaskDir(task.Name)}
}

func mockTask(name string, cfg map[string]interface{}) *structs.Task {
	return &structs.Task{Name: name, Driver: "mock", Config: cfg}
}

// waitFor polls cond, bounded.
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

func eventTypes(st *structs.TaskState) []string {
	var out []string
	for _, e := range st.Events {
		if e.Type != EventDriver {
			out = append(out, e.Type)
		}
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
