package allocrunner

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func stopped(alloc *structs.Allocation) *structs.Allocation {
	c := *alloc
	c.DesiredStatus = structs.AllocDesiredStatusStop
	return &c
}

// eventsOf returns the events of type typ, oldest first.
func eventsOf(st *structs.TaskState, typ string) []*structs.TaskEvent {
	var out []*structs.TaskEvent
	for _, e := range st.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func TestGroupShutdownDelayThenTaskShutdownDelay(t *testing.T) {
	h := newHarness(t)
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = 20 * time.Second
	alloc := testAlloc(structs.JobTypeService, task)
	group := 30 * time.Second
	alloc.Job.TaskGroups[0].ShutdownDelay = &group
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	ar.Update(stopped(alloc))
	waitFor(t, "the group's delay event", func() bool {
		return len(eventsOf(taskState(ar, "web"), taskrunner.EventWaitingShutdownDelay)) == 1
	})
	h.clock.Advance(30 * time.Second)
	waitFor(t, "the task's delay event", func() bool {
		return len(eventsOf(taskState(ar, "web"), taskrunner.EventWaitingShutdownDelay)) == 2
	})
	if findEvent(taskState(ar, "web"), taskrunner.EventKilling) != nil {
		t.Fatal("kill signal sent before the task's shutdown_delay")
	}
	h.clock.Advance(20 * time.Second)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))

	st := taskState(ar, "web")
	delays := eventsOf(st, taskrunner.EventWaitingShutdownDelay)
	if delays[0].Details["shutdown_delay_of"] != "group" || delays[0].Details["shutdown_delay"] != "30s" ||
		delays[1].Details["shutdown_delay_of"] != "" || delays[1].Details["shutdown_delay"] != "20s" {
		t.Fatalf("delay events %+v, %+v: want the group's 30s, then the task's 20s", delays[0], delays[1])
	}
	killing := findEvent(st, taskrunner.EventKilling)
	if gap := time.Duration(delays[1].Time - delays[0].Time); gap != 30*time.Second {
		t.Fatalf("task delay began %s after the group's, want 30s", gap)
	}
	if gap := time.Duration(killing.Time - delays[1].Time); gap != 20*time.Second {
		t.Fatalf("kill signal %s after the task's delay began, want 20s", gap)
	}
}

// destroyAsync destroys ar in the background and returns a condition
// that holds once Destroy has returned.
func destroyAsync(ar *AllocRunner) func() bool {
	done := make(chan struct{})
	go func() {
		ar.Destroy()
		close(done)
	}()
	return func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

func TestDestroyCutsShutdownDelaysShort(t *testing.T) {
	for _, tc := range []struct {
		name        string
		group, task time.Duration
		// events is how many delay events the stop records before the
		// destroy comes.
		events int
	}{
		{"during the group's delay", time.Hour, time.Hour, 1},
		{"during the task's delay", 0, time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			task := mockTask("web", map[string]interface{}{"run_for": "1h"})
			task.ShutdownDelay = tc.task
			alloc := testAlloc(structs.JobTypeService, task)
			if tc.group > 0 {
				alloc.Job.TaskGroups[0].ShutdownDelay = &tc.group
			}
			ar := h.start(alloc)
			waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
			ar.Update(stopped(alloc))
			waitFor(t, "the delay event", func() bool {
				return len(eventsOf(taskState(ar, "web"), taskrunner.EventWaitingShutdownDelay)) == tc.events
			})
			// The clock does not move: only the destroy can end the
			// delays.
			waitFor(t, "destroyed", destroyAsync(ar))
			st := taskState(ar, "web")
			if st.State != structs.TaskStateDead || findEvent(st, taskrunner.EventKilled) == nil {
				t.Fatalf("state %s events %q, want dead and killed", st.State, events(st))
			}
			if n := len(eventsOf(st, taskrunner.EventWaitingShutdownDelay)); n != tc.events {
				t.Fatalf("%d delay events, want %d: a destroyed allocation starts no new delay", n, tc.events)
			}
		})
	}
}

func TestMaxRunDurationFailsTheAllocation(t *testing.T) {
	h := newHarness(t)
	task := mockTask("work", map[string]interface{}{"run_for": "1h"})
	d := 2 * time.Minute
	task.MaxRunDuration = &d
	alloc := testAlloc(structs.JobTypeBatch, task)
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	// The mock's run_for and the deadline must be armed before the clock
	// moves: a timer armed while it moves is late by the move.
	waitFor(t, "run_for and the deadline are armed", func() bool { return h.clock.Armed() == 2 })
	h.clock.Advance(2 * time.Minute)
	waitFor(t, "failed", clientStatusIs(ar, structs.AllocClientStatusFailed))
	waitFor(t, "reported failed", func() bool {
		u := h.lastUpdate()
		return u != nil && u.ClientStatus == structs.AllocClientStatusFailed && u.TaskStates["work"].State == structs.TaskStateDead
	})
	st := taskState(ar, "work")
	ev := findEvent(st, taskrunner.EventMaxRunDurationExceeded)
	if ev == nil || !st.Failed || st.Restarts != 0 {
		t.Fatalf("state %+v events %q, want failed by the deadline, no restart", st, events(st))
	}
}

// TestNoShutdownDelayFromTheServer: a stop that carries
// DesiredTransition.NoShutdownDelay (`alloc stop -no-shutdown-delay`)
// kills the task without waiting the group's or the task's
// shutdown_delay, though the clock never moves; the same stop without the
// mark waits both (TestGroupShutdownDelayThenTaskShutdownDelay).
func TestNoShutdownDelayFromTheServer(t *testing.T) {
	h := newHarness(t)
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = time.Hour
	alloc := testAlloc(structs.JobTypeService, task)
	group := time.Hour
	alloc.Job.TaskGroups[0].ShutdownDelay = &group
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	stop := stopped(alloc)
	stop.DesiredTransition = structs.DesiredTransition{Migrate: true, NoShutdownDelay: true}
	ar.Update(stop)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	st := taskState(ar, "web")
	if n := len(eventsOf(st, taskrunner.EventWaitingShutdownDelay)); n != 0 {
		t.Fatalf("%d shutdown delay events, want none: %q", n, events(st))
	}
	if findEvent(st, taskrunner.EventKilled) == nil {
		t.Fatalf("events %q, want the task killed", events(st))
	}
}

// TestNoShutdownDelayCutsAGroupDelayShort: a mark that arrives while a
// stop waits the group's shutdown_delay ends the wait, and the task's own
// delay is not waited after it.
func TestNoShutdownDelayCutsAGroupDelayShort(t *testing.T) {
	h := newHarness(t)
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.ShutdownDelay = time.Hour
	alloc := testAlloc(structs.JobTypeService, task)
	group := time.Hour
	alloc.Job.TaskGroups[0].ShutdownDelay = &group
	ar := h.start(alloc)
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	stop := stopped(alloc)
	ar.Update(stop)
	waitFor(t, "the group's delay event", func() bool {
		return len(eventsOf(taskState(ar, "web"), taskrunner.EventWaitingShutdownDelay)) == 1
	})
	marked := *stop
	marked.DesiredTransition.NoShutdownDelay = true
	ar.Update(&marked)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	st := taskState(ar, "web")
	if delays := eventsOf(st, taskrunner.EventWaitingShutdownDelay); len(delays) != 1 || delays[0].Details["shutdown_delay_of"] != "group" {
		t.Fatalf("delay events %q, want only the group's", events(st))
	}
}
