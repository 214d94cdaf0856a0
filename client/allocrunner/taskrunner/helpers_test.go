package taskrunner

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/clienttest"
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
		drivers:  driversWith("mock", m),
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
