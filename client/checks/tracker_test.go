package checks

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestServiceHealthAndChanged(t *testing.T) {
	fe := &fakeExec{}
	a := testCheck(&structs.ServiceCheck{Name: "a", Type: "script", Command: "x"})
	a.ExecTask = "t"
	ready := testCheck(&structs.ServiceCheck{Name: "ready", Type: "script", Command: "x"})
	ready.ExecTask = "t"
	ready.Mode = structs.CheckModeReadiness
	ready.ID = CheckID("a1", "g", "", "web", "ready")
	h := newHarness(t, TrackerConfig{Checks: []*Check{a, ready}, Exec: fe.exec})
	if got := h.tr.ServiceHealth("web"); got != HealthPending {
		t.Fatalf("before any run: %q, want pending", got)
	}
	if got := h.tr.ServiceHealth("other"); got != HealthPassing {
		t.Fatalf("a service without checks: %q, want passing", got)
	}
	fe.set(0, "")
	h.tr.Start()
	h.waitRuns(a.ID, 1)
	h.waitRuns(ready.ID, 1)
	if got := h.tr.ServiceHealth("web"); got != HealthPassing {
		t.Fatalf("all passing: %q", got)
	}
	select {
	case <-h.tr.Changed():
	default:
		t.Fatal("pending to passing did not signal Changed")
	}
	fe.set(1, "")
	h.next(a.ID, 10*time.Second)
	h.waitRuns(ready.ID, 2)
	if got := h.tr.ServiceHealth("web"); got != HealthCritical {
		t.Fatalf("a failing healthiness check: %q, want critical", got)
	}
	<-h.tr.Changed()
	if len(h.tr.Results()) != 2 {
		t.Fatalf("results: %v", h.tr.Results())
	}
}

func TestReadinessCheckDoesNotDecideHealth(t *testing.T) {
	fe := &fakeExec{}
	fe.set(1, "")
	ready := testCheck(&structs.ServiceCheck{Name: "ready", Type: "script", Command: "x"})
	ready.ExecTask = "t"
	ready.Mode = structs.CheckModeReadiness
	h := newHarness(t, TrackerConfig{Checks: []*Check{ready}, Exec: fe.exec})
	if r := h.start(ready.ID); r.Status != structs.CheckFailure {
		t.Fatalf("status %q", r.Status)
	}
	if got := h.tr.ServiceHealth("web"); got != HealthPassing {
		t.Fatalf("only a failing readiness check: %q, want passing", got)
	}
}

type restartRecorder struct {
	mu      sync.Mutex
	started time.Time
	tasks   []string
	events  []*structs.TaskEvent
}

func (r *restartRecorder) taskStarted(string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started
}

func (r *restartRecorder) restart(task string, ev *structs.TaskEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks = append(r.tasks, task)
	r.events = append(r.events, ev)
}

func (r *restartRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tasks)
}

func TestCheckRestartAfterGraceAndLimit(t *testing.T) {
	fe := &fakeExec{}
	fe.set(1, "down")
	c := testCheck(&structs.ServiceCheck{Name: "health", Type: "script", Command: "x"})
	c.Task, c.ExecTask = "api", "api"
	c.Restart = &structs.CheckRestart{Limit: 3, Grace: 15 * time.Second}
	rec := &restartRecorder{}
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Exec: fe.exec, TaskStarted: rec.taskStarted, Restart: rec.restart})
	rec.started = h.clock.Now()

	// Runs at 0s and 10s fall within the grace; 20s, 30s and 40s count.
	h.start(c.ID)
	for i := 1; i <= 3; i++ {
		h.next(c.ID, 10*time.Second)
		if rec.count() != 0 {
			t.Fatalf("restarted after %d runs, %d past grace", i+1, i-1)
		}
	}
	h.next(c.ID, 10*time.Second)
	if rec.count() != 1 {
		t.Fatalf("restarts after 3 failures past grace: %d, want 1", rec.count())
	}
	ev := rec.events[0]
	if rec.tasks[0] != "api" || ev.Message != `check "health" failed 3 times; restarting` || ev.Details["check"] != "health" {
		t.Fatalf("restart of %q with %+v", rec.tasks[0], ev)
	}

	// The task restarted: its grace starts again, and a success breaks the
	// count.
	rec.mu.Lock()
	rec.started = h.clock.Now()
	rec.mu.Unlock()
	h.clock.Advance(20 * time.Second) // past grace
	h.waitRuns(c.ID, 6)
	h.next(c.ID, 10*time.Second)
	fe.set(0, "")
	h.next(c.ID, 10*time.Second)
	fe.set(1, "")
	h.next(c.ID, 10*time.Second)
	h.next(c.ID, 10*time.Second)
	if rec.count() != 1 {
		t.Fatalf("a success should have broken the failure run: %d restarts", rec.count())
	}
	h.next(c.ID, 10*time.Second)
	if rec.count() != 2 {
		t.Fatalf("three failures in a row again: %d restarts, want 2", rec.count())
	}
}

func TestCheckRestartSkipsATaskNotRunning(t *testing.T) {
	fe := &fakeExec{}
	fe.set(1, "")
	c := testCheck(&structs.ServiceCheck{Name: "h", Type: "script", Command: "x"})
	c.Task, c.ExecTask = "api", "api"
	c.Restart = &structs.CheckRestart{Limit: 1}
	rec := &restartRecorder{} // started is zero: not running
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Exec: fe.exec, TaskStarted: rec.taskStarted, Restart: rec.restart})
	h.start(c.ID)
	h.next(c.ID, 10*time.Second)
	if rec.count() != 0 {
		t.Fatalf("restarted a task that is not running")
	}
}

func TestAllocChecksAndPorts(t *testing.T) {
	cr := &structs.CheckRestart{Limit: 2}
	job := &structs.Job{ID: "j", TaskGroups: []*structs.TaskGroup{{
		Name: "g",
		Services: []*structs.Service{{Name: "web", PortLabel: "http", OnUpdate: "ignore", CheckRestart: cr, Checks: []*structs.ServiceCheck{
			{Name: "alive", Type: "tcp"},
			{Name: "script", Type: "script", TaskName: "api", OnUpdate: "require_healthy"},
		}}, {Name: "c", Provider: "consul", Checks: []*structs.ServiceCheck{{Name: "x", Type: "tcp"}}}},
		Tasks: []*structs.Task{{Name: "api", Services: []*structs.Service{{Name: "api", PortLabel: "admin",
			Checks: []*structs.ServiceCheck{{Name: "h", Type: "http", PortLabel: "http"}}}}}},
	}}}
	alloc := &structs.Allocation{ID: "a1", TaskGroup: "g", Job: job, AllocatedResources: &structs.AllocatedResources{
		Shared: structs.AllocatedSharedResources{
			Ports:    []structs.AllocatedPortMapping{{Label: "http", Value: 25000, HostIP: "10.0.0.5"}},
			Networks: []*structs.NetworkResource{{DynamicPorts: []structs.Port{{Label: "admin", Value: 25001}}}},
		},
	}}
	cs := AllocChecks(alloc)
	if len(cs) != 3 {
		t.Fatalf("checks: %d, want 3 (the consul service is left out)", len(cs))
	}
	if cs[0].Mode != structs.CheckModeReadiness || cs[0].PortLabel != "http" || cs[0].Restart != cr {
		t.Fatalf("group check inherits on_update, port and check_restart: %+v", cs[0])
	}
	if cs[1].Mode != structs.CheckModeHealthiness || cs[1].ExecTask != "api" || cs[1].restartTask() != "api" {
		t.Fatalf("the check's own on_update and task win: %+v", cs[1])
	}
	if cs[2].Task != "api" || cs[2].PortLabel != "http" || cs[2].ID == cs[0].ID {
		t.Fatalf("task check: %+v", cs[2])
	}
	if cs[2].ID != CheckID("a1", "g", "api", "api", "h") {
		t.Fatal("the ID is not the stable hash")
	}
	ports := AllocPorts(alloc, "192.168.1.1")
	if a, err := ports("http"); err != nil || a != "10.0.0.5:25000" {
		t.Fatalf("http: %q %v", a, err)
	}
	if a, err := ports("admin"); err != nil || a != "192.168.1.1:25001" {
		t.Fatalf("admin: %q %v", a, err)
	}
	if _, err := ports("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing label: %v", err)
	}
}
