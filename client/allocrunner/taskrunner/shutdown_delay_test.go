package taskrunner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// findEvent returns the first event of type typ, or nil.
func findEvent(st *structs.TaskState, typ string) *structs.TaskEvent {
	for _, e := range st.Events {
		if e.Type == typ {
			return e
		}
	}
	return nil
}

func hasEvent(tr *TaskRunner, typ string) func() bool {
	return func() bool { return findEvent(tr.TaskState(), typ) != nil }
}

// killAsync kills tr in the background; the channel gets Kill's error.
func killAsync(tr *TaskRunner) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- tr.Kill(context.Background(), nil) }()
	return ch
}

// killResult waits, bounded, for the result of killAsync.
func killResult(t *testing.T, ch <-chan error) error {
	t.Helper()
	var err error
	waitFor(t, "the kill returns", func() bool {
		select {
		case err = <-ch:
			return true
		default:
			return false
		}
	})
	return err
}

func startRunning(t *testing.T, env *testEnv, task *structs.Task) *TaskRunner {
	t.Helper()
	tr := env.runner(t, task)
	go tr.Run()
	waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
	return tr
}

func TestShutdownDelayWaitsBeforeKillSignal(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = 30 * time.Second
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := startRunning(t, env, task)
	taskID := func() string { tr.mu.Lock(); defer tr.mu.Unlock(); return tr.taskID }()

	done := killAsync(tr)
	waitFor(t, "the shutdown delay event", hasEvent(tr, EventWaitingShutdownDelay))
	ev := findEvent(tr.TaskState(), EventWaitingShutdownDelay)
	if ev.Message != "Waiting for shutdown_delay of 30s before killing the task" || ev.Details["shutdown_delay"] != "30s" {
		t.Fatalf("event %+v", ev)
	}
	env.clock.Advance(29 * time.Second)
	if findEvent(tr.TaskState(), EventKilling) != nil {
		t.Fatal("kill signal sent before shutdown_delay passed")
	}
	if st, err := env.mock.InspectTask(context.Background(), taskID); err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("task during the delay: %+v, %v", st, err)
	}
	env.clock.Advance(time.Second)
	if err := killResult(t, done); err != nil {
		t.Fatal(err)
	}
	st := tr.TaskState()
	want := "Received,Task Setup,Started,Waiting for shutdown delay,Killing,Terminated,Killed"
	if got := strings.Join(eventTypes(st), ","); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	killing := findEvent(st, EventKilling)
	if gap := time.Duration(killing.Time - ev.Time); gap != 30*time.Second {
		t.Fatalf("kill signal %s after the delay event, want 30s", gap)
	}
	if st.State != structs.TaskStateDead || st.Failed {
		t.Fatalf("state %+v, want dead and not failed", st)
	}
}

func TestNoShutdownDelayKillsAtOnce(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := startRunning(t, env, task)
	if err := tr.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if ev := findEvent(tr.TaskState(), EventWaitingShutdownDelay); ev != nil {
		t.Fatalf("a task without shutdown_delay waited: %+v", ev)
	}
}

func TestSkipShutdownDelay(t *testing.T) {
	t.Run("cuts a delay being waited short", func(t *testing.T) {
		task := mockTask("web", map[string]interface{}{"run_for": "1h"})
		task.ShutdownDelay = time.Hour
		env := newTestEnv(t, structs.JobTypeService, task)
		tr := startRunning(t, env, task)
		done := killAsync(tr)
		waitFor(t, "the shutdown delay event", hasEvent(tr, EventWaitingShutdownDelay))
		tr.SkipShutdownDelay()
		tr.SkipShutdownDelay() // a second call is harmless
		// The clock does not move: only the skip can end the wait.
		if err := killResult(t, done); err != nil {
			t.Fatal(err)
		}
		if findEvent(tr.TaskState(), EventKilled) == nil {
			t.Fatalf("events %q, want Killed", eventTypes(tr.TaskState()))
		}
	})
	t.Run("before the kill, no delay at all", func(t *testing.T) {
		task := mockTask("web", map[string]interface{}{"run_for": "1h"})
		task.ShutdownDelay = time.Hour
		env := newTestEnv(t, structs.JobTypeService, task)
		tr := startRunning(t, env, task)
		tr.SkipShutdownDelay()
		if err := tr.Kill(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if ev := findEvent(tr.TaskState(), EventWaitingShutdownDelay); ev != nil {
			t.Fatalf("waited after SkipShutdownDelay: %+v", ev)
		}
	})
}

func TestShutdownDuringShutdownDelayLeavesTaskRunning(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = time.Hour
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := startRunning(t, env, task)
	taskID := func() string { tr.mu.Lock(); defer tr.mu.Unlock(); return tr.taskID }()
	done := killAsync(tr)
	waitFor(t, "the shutdown delay event", hasEvent(tr, EventWaitingShutdownDelay))
	// An agent shutdown must not wait out the delay, and leaves the task
	// to the next agent, as every shutdown does.
	tr.Shutdown()
	if err := killResult(t, done); err != nil {
		t.Fatal(err)
	}
	if st, err := env.mock.InspectTask(context.Background(), taskID); err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("task after shutdown: %+v, %v", st, err)
	}
	if findEvent(tr.TaskState(), EventKilling) != nil {
		t.Fatal("kill signal sent on shutdown")
	}
}

func TestRestartDoesNotWaitShutdownDelay(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = time.Hour
	env := newTestEnv(t, structs.JobTypeService, task)
	tr := startRunning(t, env, task)
	if err := tr.Restart(NewEvent(EventRestartSignal, "User requested restart"), false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restart", func() bool { return tr.TaskState().Restarts == 1 })
	if ev := findEvent(tr.TaskState(), EventWaitingShutdownDelay); ev != nil {
		t.Fatalf("a restart waited the shutdown delay: %+v", ev)
	}
	tr.SkipShutdownDelay()
	if err := tr.Kill(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownDelayEventOfGroup(t *testing.T) {
	ev := ShutdownDelayEvent(90*time.Second, "group")
	if ev.Type != EventWaitingShutdownDelay || ev.Message != "Waiting for the group's shutdown_delay of 1m30s before killing the task" ||
		ev.Details["shutdown_delay_of"] != "group" {
		t.Fatalf("event %+v", ev)
	}
}
