package taskrunner

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// max_run_duration (a nomadish extension) is a deadline per allocation:
// it counts from the first time the task started in its allocation, and
// neither a restart (after a failure, or asked for by a user) nor a
// restart of the client agent resets it. When it passes while the task
// runs, the task is sent its kill_signal at once (no shutdown_delay),
// killed after kill_timeout, marked failed and not restarted; when it
// passes while the task waits to be restarted, the task is marked failed
// and not started again. The allocation then fails like any other, and
// the group's reschedule policy decides whether the servers place a
// replacement, which starts with a deadline of its own.

// firstStartKey is the key of LocalTaskState.Hooks under which the time
// of the task's first start is persisted, so that a restored runner keeps
// the deadline. It cannot clash with a hook's name: no hook is called so.
const firstStartKey = "max_run_duration.first_start"

// maxRunDuration is the task's max_run_duration, 0 for none.
func (tr *TaskRunner) maxRunDuration() time.Duration {
	if tr.task.MaxRunDuration == nil || *tr.task.MaxRunDuration <= 0 {
		return 0
	}
	return *tr.task.MaxRunDuration
}

// noteStartedLocked records now as the task's first start, once, and
// persists it with the local state that the caller persists next.
func (tr *TaskRunner) noteStartedLocked(now time.Time) {
	if !tr.firstStart.IsZero() {
		return
	}
	tr.firstStart = now
	if tr.maxRunDuration() > 0 {
		tr.local.Hooks[firstStartKey] = []byte(now.UTC().Format(time.RFC3339Nano))
	}
}

// restoreFirstStartLocked reads the first start Restore found in the
// local state. A value that does not parse (a state DB written by hand or
// damaged) is logged and the deadline counts from the next start instead:
// better late than a task killed at once for a date nobody wrote.
func (tr *TaskRunner) restoreFirstStartLocked() {
	b, ok := tr.local.Hooks[firstStartKey]
	if !ok {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		tr.logger.Warn("ignoring an unreadable first start time of the task", "value", string(b), "error", err)
		delete(tr.local.Hooks, firstStartKey)
		return
	}
	tr.firstStart = t
}

// deadlineTimer returns a channel that receives when the task's
// max_run_duration has run out (at once when it already has), and the
// timer's stop function. The channel is nil, so never ready, when the
// task has no max_run_duration or has not started yet.
func (tr *TaskRunner) deadlineTimer() (<-chan time.Time, func() bool) {
	d := tr.maxRunDuration()
	tr.mu.Lock()
	first := tr.firstStart
	tr.mu.Unlock()
	if d == 0 || first.IsZero() {
		return nil, func() bool { return false }
	}
	return tr.clock.NewTimer(first.Add(d).Sub(tr.clock.Now()))
}

// deadlineEvent is the event that fails a task past its max_run_duration.
// killing says whether the task is still running and is being killed.
func (tr *TaskRunner) deadlineEvent(killing bool) *structs.TaskEvent {
	d := tr.maxRunDuration()
	msg := fmt.Sprintf("Task exceeded max_run_duration of %s since it first started; it is not restarted", d)
	if killing {
		msg = fmt.Sprintf("Task exceeded max_run_duration of %s since it first started; killing it, and it is not restarted", d)
	}
	ev := failing(NewEvent(EventMaxRunDurationExceeded, msg))
	ev.Details["max_run_duration"] = d.String()
	return ev
}
