package taskrunner

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A task's shutdown_delay is waited in wait (wait.go) when the task is
// killed: after the kill is asked for and before the kill_signal is sent,
// so that whoever sends the task traffic has time to notice it is going.
// It is not waited when the task is restarted (the restart is the user's
// or a template's and should be prompt), nor when its max_run_duration
// runs out (a deadline is not a graceful stop), nor once
// SkipShutdownDelay was called. A shutdown of the runner ends the wait at
// once and leaves the task running, as a shutdown always does.

// ShutdownDelayEvent is the event of a task that waits delay before it is
// sent its kill signal. whose is "" for the task's own shutdown_delay, or
// names where the delay was set ("group") when it is not the task's.
func ShutdownDelayEvent(delay time.Duration, whose string) *structs.TaskEvent {
	msg := fmt.Sprintf("Waiting for shutdown_delay of %s before killing the task", delay)
	if whose != "" {
		msg = fmt.Sprintf("Waiting for the %s's shutdown_delay of %s before killing the task", whose, delay)
	}
	ev := NewEvent(EventWaitingShutdownDelay, msg)
	ev.Details["shutdown_delay"] = delay.String()
	if whose != "" {
		ev.Details["shutdown_delay_of"] = whose
	}
	return ev
}

// SkipShutdownDelay makes the task's kill skip its shutdown_delay, or cuts
// short a delay already being waited. The alloc runner calls it when the
// allocation is destroyed: nothing waits on a task being garbage
// collected, so neither should its kill. Safe to call more than once.
func (tr *TaskRunner) SkipShutdownDelay() {
	tr.skipDelayOnce.Do(func() { close(tr.skipDelayCh) })
}

// delaySkipped reports whether SkipShutdownDelay was called.
func (tr *TaskRunner) delaySkipped() bool {
	select {
	case <-tr.skipDelayCh:
		return true
	default:
		return false
	}
}

// shutdownDelay is how long a kill of the task waits before its
// kill_signal: the task's shutdown_delay, or 0 once skipped.
func (tr *TaskRunner) shutdownDelay() time.Duration {
	if tr.task.ShutdownDelay <= 0 || tr.delaySkipped() {
		return 0
	}
	return tr.task.ShutdownDelay
}
