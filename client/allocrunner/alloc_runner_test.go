package allocrunner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestBatchSuccessCompletes(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{
		"run_for": "0s", "stdout_string": "hello ${NOMAD_TASK_NAME}",
	}))
	ar := h.start(alloc)
	waitFor(t, "run returns", func() bool {
		select {
		case <-ar.WaitCh():
			return true
		default:
			return false
		}
	})
	a := ar.Alloc()
	if a.ClientStatus != structs.AllocClientStatusComplete {
		t.Fatalf("client status %q (%s), want complete", a.ClientStatus, a.ClientDescription)
	}
	st := a.TaskStates["work"]
	if st.State != structs.TaskStateDead || st.Failed || st.Restarts != 0 {
		t.Fatalf("task state %+v, want dead, not failed, no restarts", st)
	}
	want := []string{taskrunner.EventReceived, taskrunner.EventTaskSetup, taskrunner.EventStarted, taskrunner.EventTerminated}
	if got := events(st); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %q, want %q", got, want)
	}
	if last := h.lastUpdate(); last == nil || last.ClientStatus != structs.AllocClientStatusComplete {
		t.Fatalf("last update %+v, want complete", last)
	}
	out, err := os.ReadFile(filepath.Join(ar.AllocDir().LogDir(), "work.stdout.0"))
	if err != nil || string(out) != "hello work" {
		t.Fatalf("stdout %q, %v; want the interpolated stdout_string", out, err)
	}
	// The state DB holds the final task state.
	saved, err := h.db.GetTaskState(alloc.ID, "work")
	if err != nil || saved == nil || saved.State != structs.TaskStateDead {
		t.Fatalf("persisted state %+v, %v; want dead", saved, err)
	}
}

func TestFailingTaskRestartsThenFails(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "0s", "exit_code": 3}))
	ar := h.start(alloc)
	h.pump(time.Second, "the alloc fails", clientStatusIs(ar, structs.AllocClientStatusFailed))
	st := taskState(ar, "work")
	if st.Restarts != 2 || !st.Failed || st.State != structs.TaskStateDead {
		t.Fatalf("task state %+v, want dead, failed, 2 restarts", st)
	}
	ev := findEvent(st, taskrunner.EventNotRestarting)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, "Exceeded allowed attempts 2") {
		t.Fatalf("not restarting event %+v", ev)
	}
	term := findEvent(st, taskrunner.EventTerminated)
	if term == nil || term.ExitCode != 3 {
		t.Fatalf("terminated event %+v, want exit code 3", term)
	}
	if got := len(h.driver.started()); got != 3 {
		t.Fatalf("started %d times, want 3", got)
	}
}

func TestRestartDelayIsWaitedOnTheClock(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("work", map[string]interface{}{"run_for": "0s", "exit_code": 1}))
	ar := h.start(alloc)
	waitFor(t, "a restart is scheduled", func() bool { return taskState(ar, "work").Restarts == 1 })
	waitFor(t, "the restart delay is armed", func() bool { return h.clock.Armed() == 1 })
	// 15s delay plus up to 25% jitter: nothing starts before 15s.
	h.clock.Advance(14 * time.Second)
	if n := len(h.driver.started()); n != 1 {
		t.Fatalf("started %d times before the delay passed, want 1", n)
	}
	h.clock.Advance(5 * time.Second)
	waitFor(t, "the second start", func() bool { return len(h.driver.started()) == 2 })
}

func TestModeDelayWaitsOutTheInterval(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("work", map[string]interface{}{"run_for": "0s", "exit_code": 1}))
	alloc.Job.TaskGroups[0].RestartPolicy = &structs.RestartPolicy{
		Attempts: 1, Interval: 10 * time.Minute, Delay: 10 * time.Second, Mode: structs.RestartPolicyModeDelay,
	}
	ar := h.start(alloc)
	h.pump(time.Second, "two restarts", func() bool { return taskState(ar, "work").Restarts >= 2 })
	st := taskState(ar, "work")
	if st.State == structs.TaskStateDead || st.Failed {
		t.Fatalf("mode delay must not fail the task: %+v", st)
	}
	var delayed *structs.TaskEvent
	for _, e := range st.Events {
		if e.Type == taskrunner.EventRestarting && strings.Contains(e.Details["restart_reason"], "delay") {
			delayed = e
		}
	}
	if delayed == nil {
		t.Fatalf("no restart waiting out the interval in %q", events(st))
	}
	d, err := time.ParseDuration(delayed.Details["restart_delay"])
	if err != nil || d < 9*time.Minute {
		t.Fatalf("delay %q, want the rest of the 10m interval", delayed.Details["restart_delay"])
	}
	if ar.Alloc().ClientStatus == structs.AllocClientStatusFailed {
		t.Fatal("alloc failed in mode delay")
	}
}

func TestStopKillsAfterKillTimeout(t *testing.T) {
	h := newHarness(t)
	task := mockTask("web", map[string]interface{}{"run_for": "1h", "kill_after": "1h"})
	task.KillTimeout = 10 * time.Second
	task.KillSignal = "SIGINT"
	alloc := testAlloc(structs.JobTypeService, task)
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	stop := *alloc
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	ar.Update(&stop)
	waitFor(t, "killing", func() bool { return findEvent(taskState(ar, "web"), taskrunner.EventKilling) != nil })
	// run_for, kill_after and StopTask's kill_timeout are armed.
	waitFor(t, "the kill timeout is armed", func() bool { return h.clock.Armed() >= 3 })
	h.clock.Advance(9 * time.Second)
	if st := taskState(ar, "web"); st.State == structs.TaskStateDead {
		t.Fatalf("dead before kill_timeout: %q", events(st))
	}
	h.clock.Advance(time.Second)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	st := taskState(ar, "web")
	if findEvent(st, taskrunner.EventKilled) == nil || st.Failed {
		t.Fatalf("events %q failed=%v, want Killed and not failed", events(st), st.Failed)
	}
	if term := findEvent(st, taskrunner.EventTerminated); term == nil || term.Signal != 9 {
		t.Fatalf("terminated %+v, want signal 9 (killed after the timeout)", term)
	}
	if ev := findEvent(st, taskrunner.EventKilling); ev.Details["kill_timeout"] != "10s" {
		t.Fatalf("killing event %+v", ev)
	}
}

func TestShutdownDelayBeforeKill(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	delay := 30 * time.Second
	alloc.Job.TaskGroups[0].ShutdownDelay = &delay
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	armed := h.clock.Armed()

	stop := *alloc
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	ar.Update(&stop)
	waitFor(t, "the shutdown delay is armed", func() bool { return h.clock.Armed() > armed })
	h.clock.Advance(29 * time.Second)
	if findEvent(taskState(ar, "web"), taskrunner.EventKilling) != nil {
		t.Fatal("killed before shutdown_delay passed")
	}
	h.clock.Advance(time.Second)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
}

func TestBadDriverConfigFailsValidation(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "1s", "bogus": 1}))
	ar := h.start(alloc)
	waitFor(t, "failed", clientStatusIs(ar, structs.AllocClientStatusFailed))
	st := taskState(ar, "work")
	ev := findEvent(st, taskrunner.EventFailedValidation)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, `unsupported argument "bogus"`) {
		t.Fatalf("validation event %+v in %q", ev, events(st))
	}
	if len(h.driver.started()) != 0 {
		t.Fatal("a task with a bad config was started")
	}
}

func TestDriverRefusesConfig(t *testing.T) {
	h := newHarness(t)
	// Fits the schema (a string) but the driver cannot parse it.
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "soon"}))
	ar := h.start(alloc)
	waitFor(t, "failed", clientStatusIs(ar, structs.AllocClientStatusFailed))
	st := taskState(ar, "work")
	ev := findEvent(st, taskrunner.EventDriverFailure)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, "run_for must be a duration") {
		t.Fatalf("driver failure event %+v in %q", ev, events(st))
	}
	if strings.Contains(ev.Message, "goroutine") {
		t.Fatalf("event carries a stack trace: %s", ev.Message)
	}
	if st.Restarts != 0 {
		t.Fatalf("an unrecoverable start error was restarted %d times", st.Restarts)
	}
}

func TestRecoverableStartErrorRestarts(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{
		"start_error": "port busy", "start_error_recoverable": true,
	}))
	ar := h.start(alloc)
	h.pump(5*time.Second, "failed", clientStatusIs(ar, structs.AllocClientStatusFailed))
	if st := taskState(ar, "work"); st.Restarts != 2 {
		t.Fatalf("restarts %d, want 2 (the policy's attempts)", st.Restarts)
	}
}

func TestRestartSignalAndStats(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	cfg := h.config(alloc)
	cfg.StatsInterval = time.Second
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go ar.Run()
	t.Cleanup(ar.Shutdown)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	waitFor(t, "a stats sample", func() bool { return ar.Stats()["web"] != nil })
	if u := ar.Stats()["web"]; u.MemoryRSSBytes != 64<<20 {
		t.Fatalf("stats %+v, want the granted 64 MiB", u)
	}

	if err := ar.SignalTask("web", "SIGHUP"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	if ev := findEvent(taskState(ar, "web"), taskrunner.EventSignaling); ev == nil || ev.Details["signal"] != "SIGHUP" {
		t.Fatalf("signaling event %+v", ev)
	}
	if err := ar.SignalTask("nope", "SIGHUP"); err == nil || !strings.Contains(err.Error(), "unknown task") {
		t.Fatalf("signal of unknown task: %v", err)
	}

	if err := ar.RestartTask(""); err != nil {
		t.Fatalf("restart: %v", err)
	}
	waitFor(t, "restarted", func() bool { return len(h.driver.started()) == 2 })
	waitFor(t, "running again", stateIs(ar, "web", structs.TaskStateRunning))
	st := taskState(ar, "web")
	if findEvent(st, taskrunner.EventRestartSignal) == nil || st.Restarts != 1 || st.Failed {
		t.Fatalf("after restart: %q restarts=%d failed=%v", events(st), st.Restarts, st.Failed)
	}
}

func TestDestroyCleansUp(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	ar.Destroy()
	select {
	case <-ar.WaitCh():
	default:
		t.Fatal("Run still running after Destroy")
	}
	if _, err := os.Stat(ar.AllocDir().Dir); !os.IsNotExist(err) {
		t.Fatalf("alloc dir still there: %v", err)
	}
	if st, err := h.db.GetTaskState(alloc.ID, "web"); err != nil || st != nil {
		t.Fatalf("task state still persisted: %+v, %v", st, err)
	}
	if a := h.lastUpdate(); a.ClientStatus != structs.AllocClientStatusComplete {
		t.Fatalf("last update %q, want complete", a.ClientStatus)
	}
}

func TestControlErrors(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "0s"}))
	ar := h.start(alloc)
	<-ar.WaitCh()
	if err := ar.RestartTask("work"); !errors.Is(err, ErrTaskNotRunning) {
		t.Fatalf("restart of a dead task: %v", err)
	}
	if err := ar.RestartTask(""); err != nil {
		t.Fatalf("restart of all (none running): %v", err)
	}
	if err := ar.SignalTask("work", "SIGHUP"); !errors.Is(err, ErrTaskNotRunning) {
		t.Fatalf("signal of a dead task: %v", err)
	}
	if err := ar.RestartTask("nope"); !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("restart of an unknown task: %v", err)
	}
	if len(ar.Stats()) != 0 {
		t.Fatal("stats for a dead task")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", nil))
	alloc.TaskGroup = "missing"
	if _, err := New(h.config(alloc)); err == nil || !strings.Contains(err.Error(), `no task group "missing"`) {
		t.Fatalf("missing group: %v", err)
	}
	if _, err := New(&Config{}); err == nil {
		t.Fatal("empty config accepted")
	}
}

func TestAllocDirFailureFailsAlloc(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	cfg := h.config(alloc)
	cfg.AllocRoot = filepath.Join(h.dir, "not-a-dir")
	if err := os.WriteFile(cfg.AllocRoot, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ar.Run()
	a := h.lastUpdate()
	if a == nil || a.ClientStatus != structs.AllocClientStatusFailed || !strings.Contains(a.ClientDescription, "allocation directory") {
		t.Fatalf("update %+v", a)
	}
	st := a.TaskStates["web"]
	if ev := findEvent(st, taskrunner.EventSetupFailure); ev == nil || !st.Failed || st.State != structs.TaskStateDead {
		t.Fatalf("task %+v events %q", st, events(st))
	}
	if len(h.driver.started()) != 0 {
		t.Fatal("started a task without its directory")
	}
}

// TestTaskDyingAfterAReportIsReported: a task that dies after the run
// loop took a report but before it looked whether every task was dead
// is still reported dead. The Updater is where the loop sits between
// the two, so the test makes the task exit there and waits for its
// runner to be done before letting the loop go on. Before the fix the
// loop ended on that fresh look, and the last report said "running".
func TestTaskDyingAfterAReportIsReported(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch, mockTask("work", map[string]interface{}{"run_for": "10s"}))
	cfg := h.config(alloc)
	var ar *AllocRunner
	exited := false
	cfg.Updater = func(a *structs.Allocation) {
		h.record(a)
		if exited || a.TaskStates["work"].State != structs.TaskStateRunning {
			return
		}
		exited = true
		waitFor(t, "the task's run_for timer", func() bool { return h.clock.Armed() > 0 })
		h.clock.Advance(10 * time.Second)
		<-ar.tasks["work"].WaitCh()
	}
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ar.Shutdown)
	go ar.Run()
	waitFor(t, "run returns", func() bool {
		select {
		case <-ar.WaitCh():
			return true
		default:
			return false
		}
	})
	if !exited {
		t.Fatal("the task never ran")
	}
	last := h.lastUpdate()
	if last.ClientStatus != structs.AllocClientStatusComplete || last.TaskStates["work"].State != structs.TaskStateDead {
		t.Fatalf("last update: status %q, task %q; want complete and dead", last.ClientStatus, last.TaskStates["work"].State)
	}
}
