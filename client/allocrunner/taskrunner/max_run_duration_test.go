package taskrunner

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func withMaxRun(task *structs.Task, d time.Duration) *structs.Task {
	task.MaxRunDuration = &d
	return task
}

// waitDone waits, bounded, until tr's Run has returned.
func waitDone(t *testing.T, tr *TaskRunner) {
	t.Helper()
	waitFor(t, "the runner is done", func() bool {
		select {
		case <-tr.WaitCh():
			return true
		default:
			return false
		}
	})
}

func countEvents(st *structs.TaskState, typ string) int {
	n := 0
	for _, e := range st.Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestMaxRunDurationKillsAndFailsWithoutRestart(t *testing.T) {
	// The task ignores its stop signal for an hour: it must be killed
	// after kill_timeout, as any kill is.
	task := withMaxRun(mockTask("work", map[string]interface{}{"run_for": "1h", "kill_after": "1h"}), 5*time.Minute)
	task.KillTimeout = 10 * time.Second
	task.ShutdownDelay = time.Hour // a deadline is not a graceful stop
	env := newTestEnv(t, structs.JobTypeBatch, task)
	tr := startRunning(t, env, task)
	start := tr.TaskState().StartedAt

	// A timer armed while the clock moves is late by the move: let the
	// mock's run_for and the deadline be armed first.
	waitFor(t, "run_for and the deadline are armed", func() bool { return env.clock.Armed() == 2 })
	env.clock.Advance(5*time.Minute - time.Second)
	if ev := findEvent(tr.TaskState(), EventMaxRunDurationExceeded); ev != nil {
		t.Fatalf("deadline hit early: %+v", ev)
	}
	env.clock.Advance(time.Second)
	waitFor(t, "the kill signal", hasEvent(tr, EventKilling))
	st := tr.TaskState()
	ev := findEvent(st, EventMaxRunDurationExceeded)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, "exceeded max_run_duration of 5m0s") || ev.Details["max_run_duration"] != "5m0s" {
		t.Fatalf("deadline event %+v in %q", ev, eventTypes(st))
	}
	if got := time.Unix(0, ev.Time).UTC(); !got.Equal(start.Add(5 * time.Minute)) {
		t.Fatalf("deadline event at %s, want %s", got, start.Add(5*time.Minute))
	}
	if !st.Failed {
		t.Fatal("task not marked failed by the deadline")
	}

	// run_for, kill_after and StopTask's kill_timeout are armed.
	waitFor(t, "the kill timeout is armed", func() bool { return env.clock.Armed() >= 3 })
	env.clock.Advance(9 * time.Second)
	if st := tr.TaskState(); st.State == structs.TaskStateDead {
		t.Fatalf("dead before kill_timeout: %q", eventTypes(st))
	}
	env.clock.Advance(time.Second)
	waitDone(t, tr)
	st = tr.TaskState()
	want := "Received,Task Setup,Started,Max Run Duration Exceeded,Killing,Terminated,Killed"
	if got := strings.Join(eventTypes(st), ","); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	if term := findEvent(st, EventTerminated); term.Signal != 9 {
		t.Fatalf("terminated %+v, want signal 9 (killed after kill_timeout)", term)
	}
	if st.State != structs.TaskStateDead || !st.Failed || st.Restarts != 0 {
		t.Fatalf("state %+v, want dead, failed, never restarted (the policy allows one restart)", st)
	}
}

func TestMaxRunDurationIsNotResetByRestarts(t *testing.T) {
	// Every run fails after 3m; the deadline of 5m counts from the first
	// start, so the second run is killed 5m after the first began.
	task := withMaxRun(mockTask("work", map[string]interface{}{"run_for": "3m", "exit_code": 1}), 5*time.Minute)
	env := newTestEnv(t, structs.JobTypeBatch, task)
	tr := startRunning(t, env, task)
	start := tr.TaskState().StartedAt

	// The mock's run_for and the deadline must be armed before the clock
	// moves, or the run would never end.
	waitFor(t, "run_for and the deadline are armed", func() bool { return env.clock.Armed() == 2 })
	env.clock.Advance(3 * time.Minute)
	waitFor(t, "the restart is scheduled", func() bool { return tr.TaskState().Restarts == 1 })
	delay, err := time.ParseDuration(findEvent(tr.TaskState(), EventRestarting).Details["restart_delay"])
	if err != nil || delay <= 0 || delay >= 2*time.Minute {
		t.Fatalf("restart delay %s, %v: the test needs one under 2m", delay, err)
	}
	env.clock.Advance(delay)
	waitFor(t, "the second start", func() bool { return countEvents(tr.TaskState(), EventStarted) == 2 })
	waitFor(t, "run_for and the deadline are armed again", func() bool { return env.clock.Armed() == 2 })

	// Up to 5m after the first start: a per-run deadline would leave the
	// second run alone until 5m after it began.
	env.clock.Advance(5*time.Minute - 3*time.Minute - delay)
	waitDone(t, tr)
	st := tr.TaskState()
	ev := findEvent(st, EventMaxRunDurationExceeded)
	if ev == nil {
		t.Fatalf("no deadline event in %q", eventTypes(st))
	}
	if got := time.Unix(0, ev.Time).UTC(); !got.Equal(start.Add(5 * time.Minute)) {
		t.Fatalf("deadline at %s, want 5m after the first start %s", got, start)
	}
	if st.State != structs.TaskStateDead || !st.Failed || st.Restarts != 1 {
		t.Fatalf("state %+v, want dead and failed after one restart", st)
	}
}

func TestMaxRunDurationPassingDuringRestartDelay(t *testing.T) {
	task := withMaxRun(mockTask("work", map[string]interface{}{"run_for": "4m", "exit_code": 1}), 4*time.Minute+time.Second)
	env := newTestEnv(t, structs.JobTypeBatch, task)
	tr := startRunning(t, env, task)
	waitFor(t, "run_for and the deadline are armed", func() bool { return env.clock.Armed() == 2 })
	env.clock.Advance(4 * time.Minute)
	waitFor(t, "the restart is scheduled", func() bool { return tr.TaskState().Restarts == 1 })
	delay, _ := time.ParseDuration(findEvent(tr.TaskState(), EventRestarting).Details["restart_delay"])
	if delay <= time.Second {
		t.Fatalf("restart delay %s: the test needs one over 1s", delay)
	}
	env.clock.Advance(time.Second)
	waitDone(t, tr)
	st := tr.TaskState()
	ev := findEvent(st, EventMaxRunDurationExceeded)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, "it is not restarted") || strings.Contains(ev.Message, "killing") {
		t.Fatalf("deadline event %+v in %q", ev, eventTypes(st))
	}
	if n := countEvents(st, EventStarted); n != 1 {
		t.Fatalf("started %d times, want once: the deadline passed before the restart", n)
	}
	if st.State != structs.TaskStateDead || !st.Failed {
		t.Fatalf("state %+v, want dead and failed", st)
	}
}

func TestMaxRunDurationSurvivesAgentRestart(t *testing.T) {
	task := withMaxRun(mockTask("work", map[string]interface{}{"run_for": "1h"}), 5*time.Minute)
	env := newTestEnv(t, structs.JobTypeBatch, task)
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
	start := tr.TaskState().StartedAt
	env.clock.Advance(3 * time.Minute)
	tr.Shutdown()

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
		return tr2.taskID != ""
	})
	waitFor(t, "run_for and the new deadline are armed", func() bool { return env.clock.Armed() == 2 })
	// 2m more is 5m since the first start: a deadline restarted with the
	// agent would leave the task alone for another 3m.
	env.clock.Advance(2 * time.Minute)
	waitDone(t, tr2)
	st := tr2.TaskState()
	ev := findEvent(st, EventMaxRunDurationExceeded)
	if ev == nil || !st.Failed || st.State != structs.TaskStateDead {
		t.Fatalf("state %+v events %q, want dead and failed by the deadline", st, eventTypes(st))
	}
	if got := time.Unix(0, ev.Time).UTC(); !got.Equal(start.Add(5 * time.Minute)) {
		t.Fatalf("deadline at %s, want %s", got, start.Add(5*time.Minute))
	}
}

func TestKillBeforeMaxRunDurationIsNotAFailure(t *testing.T) {
	task := withMaxRun(mockTask("work", map[string]interface{}{"run_for": "1h"}), 5*time.Minute)
	env := newTestEnv(t, structs.JobTypeBatch, task)
	tr := startRunning(t, env, task)
	if err := killResult(t, killAsync(tr)); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(time.Hour) // the deadline timer must be gone
	st := tr.TaskState()
	if st.Failed || findEvent(st, EventMaxRunDurationExceeded) != nil {
		t.Fatalf("state %+v events %q: a kill before the deadline is not a failure", st, eventTypes(st))
	}
}
