package allocrunner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/clienttest"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestRestoreRecoversRunningTask(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	if err := ar.RestartTask("web"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "restarted", func() bool {
		st := taskState(ar, "web")
		return st.Restarts == 1 && st.State == structs.TaskStateRunning
	})

	// The agent stops: the task keeps running in the driver.
	ar.Shutdown()
	ls, err := h.db.GetLocalTaskState(alloc.ID, "web")
	if err != nil || ls == nil || ls.Handle == nil {
		t.Fatalf("persisted handle %+v, %v", ls, err)
	}
	status, err := h.mock.InspectTask(context.Background(), ls.Handle.Config.ID)
	if err != nil || status.State != plugin.TaskStateRunning {
		t.Fatalf("task after shutdown: %+v, %v; want still running", status, err)
	}

	// A new agent restores it, a moment later.
	h.clock.Advance(time.Second)
	restoredAt := h.clock.Now().UnixNano()
	ar2, err := New(h.config(alloc))
	if err != nil {
		t.Fatal(err)
	}
	if err := ar2.Restore(); err != nil {
		t.Fatalf("restore: %v", err)
	}
	go ar2.Run()
	t.Cleanup(ar2.Shutdown)
	waitFor(t, "running", clientStatusIs(ar2, structs.AllocClientStatusRunning))
	st := taskState(ar2, "web")
	if st.Restarts != 1 {
		t.Fatalf("restarts %d after restore, want the 1 from before", st.Restarts)
	}
	stop := *alloc
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	ar2.Update(&stop)
	waitFor(t, "complete", clientStatusIs(ar2, structs.AllocClientStatusComplete))
	st = taskState(ar2, "web")
	if n := len(h.driver.started()); n != 2 {
		t.Fatalf("started %d times, want 2: the recovered task must not be started again", n)
	}
	if st.Restarts != 1 || findEvent(st, taskrunner.EventKilled) == nil {
		t.Fatalf("after stop: restarts=%d events %q", st.Restarts, events(st))
	}
	for _, e := range st.Events {
		if e.Type == taskrunner.EventStarted && e.Time >= restoredAt {
			t.Fatalf("a Started event for the recovery: %q", events(st))
		}
	}
}

func TestRestoreDeadAllocDoesNothing(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "0s"}))
	ar := h.start(alloc)
	<-ar.WaitCh()

	ar2, err := New(h.config(alloc))
	if err != nil {
		t.Fatal(err)
	}
	if err := ar2.Restore(); err != nil {
		t.Fatal(err)
	}
	go ar2.Run()
	<-ar2.WaitCh()
	if s := ar2.Alloc().ClientStatus; s != structs.AllocClientStatusComplete {
		t.Fatalf("client status %q, want complete", s)
	}
	if n := len(h.driver.started()); n != 1 {
		t.Fatalf("started %d times, want 1", n)
	}
}

func TestRestoreLostTaskRestartsIt(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	ar.Shutdown()

	// The plugin died with the agent: its tasks are gone.
	fresh := &recordingDriver{DriverPlugin: mock.New(mock.Config{Clock: h.clock})}
	h.drivers.Set("mock", fresh)
	ar2, err := New(h.config(alloc))
	if err != nil {
		t.Fatal(err)
	}
	if err := ar2.Restore(); err != nil {
		t.Fatal(err)
	}
	go ar2.Run()
	t.Cleanup(ar2.Shutdown)
	h.pump(time.Second, "started again", func() bool { return len(fresh.started()) == 1 })
	waitFor(t, "running", stateIs(ar2, "web", structs.TaskStateRunning))
	st := taskState(ar2, "web")
	term := findEvent(st, taskrunner.EventTerminated)
	if term == nil || !strings.Contains(term.Details["exit_message"], "recover task") || st.Restarts != 1 {
		t.Fatalf("events %q restarts=%d terminated=%+v", events(st), st.Restarts, term)
	}
}

func TestPluginRestartRecoversOrRestarts(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	// Same plugin instance: the task is recovered, nothing restarts.
	ar.PluginRestarted("mock")
	ar.PluginRestarted("other")

	// A relaunched plugin lost the task: a failed exit, then a restart.
	fresh := &recordingDriver{DriverPlugin: mock.New(mock.Config{Clock: h.clock})}
	h.drivers.Set("mock", fresh)
	ar.PluginRestarted("mock")
	h.pump(time.Second, "started on the new plugin", func() bool { return len(fresh.started()) == 1 })
	waitFor(t, "running", stateIs(ar, "web", structs.TaskStateRunning))
	st := taskState(ar, "web")
	term := findEvent(st, taskrunner.EventTerminated)
	if term == nil || !strings.Contains(term.Details["exit_message"], "could not be recovered") {
		t.Fatalf("terminated event %+v in %q", term, events(st))
	}
	if st.Restarts != 1 || len(h.driver.started()) != 1 {
		t.Fatalf("restarts %d, old plugin starts %d; want 1 and 1", st.Restarts, len(h.driver.started()))
	}
}

// brokenWaitDriver fails the first WaitTask as a dying plugin would.
type brokenWaitDriver struct {
	plugin.DriverPlugin
	// failed gets one value when the first WaitTask failed.
	failed chan struct{}
}

func (d *brokenWaitDriver) WaitTask(ctx context.Context, id string) (*plugin.ExitResult, error) {
	select {
	case d.failed <- struct{}{}:
		return nil, plugin.ErrPluginShutdown
	default:
	}
	return d.DriverPlugin.WaitTask(ctx, id)
}

func TestBrokenWaitReattachesAfterRetry(t *testing.T) {
	h := newHarness(t)
	d := &brokenWaitDriver{DriverPlugin: h.driver, failed: make(chan struct{}, 1)}
	h.drivers.Set("mock", d)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	waitFor(t, "the wait broke", func() bool { return len(d.failed) == 1 })
	// run_for and the 5s re-attach retry are armed.
	waitFor(t, "the retry is armed", func() bool { return h.clock.Armed() == 2 })
	h.clock.Advance(5 * time.Second)
	// Re-attached: the task's exit is seen and the policy restarts it.
	h.clock.Advance(time.Hour)
	waitFor(t, "restart after the real exit", func() bool { return taskState(ar, "web").Restarts == 1 })
	term := findEvent(taskState(ar, "web"), taskrunner.EventTerminated)
	if term == nil || term.ExitCode != 0 || term.Details["exit_message"] != "" {
		t.Fatalf("terminated %+v, want the task's own exit", term)
	}
}

func TestRestoreWaitsForPluginWithoutStartingTwice(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	ar.Shutdown()

	// The new agent comes up before the plugin is back.
	drivers := clienttest.NewDrivers()
	cfg := h.config(alloc)
	cfg.Drivers = drivers
	ar2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ar2.Restore(); err != nil {
		t.Fatal(err)
	}
	go ar2.Run()
	t.Cleanup(ar2.Shutdown)
	waitFor(t, "a driver failure", func() bool {
		return findEvent(taskState(ar2, "web"), taskrunner.EventDriverFailure) != nil
	})
	drivers.Set("mock", h.driver)
	h.pump(time.Second, "recovered", func() bool {
		ls, _ := h.db.GetLocalTaskState(alloc.ID, "web")
		return taskState(ar2, "web").State == structs.TaskStateRunning && ls != nil && ls.Handle != nil
	})
	if n := len(h.driver.started()); n != 1 {
		t.Fatalf("started %d times, want 1: the restored task must be recovered, not started again", n)
	}
	if st := taskState(ar2, "web"); st.Restarts != 0 || st.Failed {
		t.Fatalf("restarts %d failed %v: waiting for the plugin is not a restart", st.Restarts, st.Failed)
	}
}
