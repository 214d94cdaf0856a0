package taskrunner

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestRunBatchSuccess(t *testing.T) {
	task := mockTask("work", map[string]interface{}{"run_for": "0s"})
	env := newTestEnv(t, structs.JobTypeBatch, task)
	var changes atomic.Int32
	cfg := env.config(task)
	cfg.OnStateChange = func() { changes.Add(1) }
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Run()
	st := tr.TaskState()
	if st.State != structs.TaskStateDead || st.Failed {
		t.Fatalf("state %+v", st)
	}
	want := "Received,Task Setup,Started,Terminated"
	if got := strings.Join(eventTypes(st), ","); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	if st.StartedAt.IsZero() || st.FinishedAt.IsZero() {
		t.Fatalf("times not set: %+v", st)
	}
	if changes.Load() < 3 {
		t.Fatalf("OnStateChange called %d times", changes.Load())
	}
	select {
	case <-tr.WaitCh():
	default:
		t.Fatal("WaitCh open after Run returned")
	}
}

func TestKillBeforeRun(t *testing.T) {
	task := mockTask("work", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := env.runner(t, task)
	if err := tr.Kill(context.Background(), SiblingFailedEvent("other")); err != nil {
		t.Fatal(err)
	}
	tr.Run() // returns at once
	st := tr.TaskState()
	if st.State != structs.TaskStateDead || st.Failed || eventTypes(st)[1] != EventSiblingFailed {
		t.Fatalf("state %+v events %q", st, eventTypes(st))
	}
}

func TestKillDuringRestartDelay(t *testing.T) {
	task := mockTask("work", map[string]interface{}{"run_for": "0s", "exit_code": 1})
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := env.runner(t, task)
	go tr.Run()
	waitFor(t, "waiting to restart", func() bool { return env.clock.Armed() == 1 })
	if st := tr.TaskState(); st.State != structs.TaskStatePending || st.Restarts != 1 {
		t.Fatalf("state %+v, want pending with one restart", st)
	}
	if err := tr.Restart(nil, false); !errors.Is(err, ErrTaskNotRunning) {
		t.Fatalf("restart while waiting: %v", err)
	}
	if err := tr.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if st := tr.TaskState(); st.State != structs.TaskStateDead || st.Failed {
		t.Fatalf("state %+v, want dead, not failed", st)
	}
}

func TestShutdownLeavesTaskRunningAndRestoreRecovers(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := env.config(task)
	cfg.StateDB = db
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go tr.Run()
	waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
	tr.Shutdown()

	ls, err := db.GetLocalTaskState(env.alloc.ID, "web")
	if err != nil || ls == nil || ls.Handle == nil {
		t.Fatalf("handle %+v, %v", ls, err)
	}
	st, err := env.mock.InspectTask(context.Background(), ls.Handle.Config.ID)
	if err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("task after shutdown %+v, %v", st, err)
	}

	tr2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr2.Restore(); err != nil {
		t.Fatal(err)
	}
	go tr2.Run()
	waitFor(t, "recovered", func() bool {
		tr2.mu.Lock()
		defer tr2.mu.Unlock()
		return tr2.taskID == ls.Handle.Config.ID
	})
	// Exit the task: the recovered runner sees it, through WaitTask.
	env.clock.Advance(time.Hour)
	waitFor(t, "restart scheduled", func() bool { return tr2.TaskState().Restarts == 1 })
	if err := tr2.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestKillRestoredTaskNeverRun(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := env.config(task)
	cfg.StateDB = db
	tr, _ := New(cfg)
	go tr.Run()
	waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
	tr.Shutdown()
	ls, _ := db.GetLocalTaskState(env.alloc.ID, "web")

	// The new agent kills the restored task before running it: it must
	// be stopped in the driver, not just marked dead.
	tr2, _ := New(cfg)
	if err := tr2.Restore(); err != nil {
		t.Fatal(err)
	}
	if err := tr2.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := tr2.TaskState()
	if st.State != structs.TaskStateDead || !strings.Contains(strings.Join(eventTypes(st), ","), "Killed") {
		t.Fatalf("state %+v events %q", st, eventTypes(st))
	}
	if _, err := env.mock.InspectTask(context.Background(), ls.Handle.Config.ID); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("task still in the driver: %v", err)
	}
}

func TestTaskResources(t *testing.T) {
	alloc := &structs.Allocation{AllocatedResources: &structs.AllocatedResources{
		Tasks: map[string]*structs.AllocatedTaskResources{"web": {
			Cpu:    structs.AllocatedCpuResources{CpuShares: 500, ReservedCores: []uint16{0, 1}},
			Memory: structs.AllocatedMemoryResources{MemoryMB: 256, MemoryMaxMB: 512},
		}},
		Shared: structs.AllocatedSharedResources{DiskMB: 300},
	}}
	got := taskResources(alloc, &structs.Task{Name: "web"})
	want := plugin.Resources{CPUMHz: 500, Cores: 2, MemoryMB: 256, MemoryMaxMB: 512, DiskMB: 300}
	if got != want {
		t.Fatalf("resources %+v, want %+v", got, want)
	}
	fallback := taskResources(&structs.Allocation{}, &structs.Task{Name: "x", Resources: &structs.Resources{CPU: 100, MemoryMB: 64}})
	if fallback.CPUMHz != 100 || fallback.MemoryMB != 64 {
		t.Fatalf("fallback %+v", fallback)
	}
}

func TestEventsAreCapped(t *testing.T) {
	task := mockTask("work", nil)
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := env.runner(t, task)
	for i := 0; i < 25; i++ {
		tr.emitEvent(NewEvent(EventDriver, "x"))
	}
	if n := len(tr.TaskState().Events); n != maxEvents {
		t.Fatalf("%d events kept, want %d", n, maxEvents)
	}
}

func TestDriverEventsAreRecorded(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := env.runner(t, task)
	go tr.Run()
	waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
	if err := tr.Signal(context.Background(), "SIGUSR1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the driver's event", func() bool {
		for _, e := range tr.TaskState().Events {
			if e.Type == EventDriver && e.Message == "received signal SIGUSR1" {
				return true
			}
		}
		return false
	})
	if err := tr.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}
