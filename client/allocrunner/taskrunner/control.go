package taskrunner

import (
	"context"
	"errors"
	"fmt"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Kill stops the task for good: after its shutdown_delay (unless
// SkipShutdownDelay was called) it is sent its kill_signal, killed after
// kill_timeout and never restarted. reason, when not nil, is recorded
// first (e.g. SiblingFailedEvent). A task that never started is marked
// dead at once. Kill returns once the task is dead or ctx is done.
func (tr *TaskRunner) Kill(ctx context.Context, reason *structs.TaskEvent) error {
	tr.mu.Lock()
	if tr.killed {
		tr.mu.Unlock()
		return tr.waitDone(ctx)
	}
	tr.killed = true
	started := tr.runStarted
	recoverFirst := !started && tr.restored
	if !started {
		// Run will not run the task; Kill finishes it here (or, for a
		// restored running task, runs it just to stop it).
		tr.runStarted = true
	}
	if reason != nil {
		// The caller may hand the same event to every sibling.
		tr.appendEventLocked(copyEvent(reason))
	}
	if !started && !recoverFirst && tr.state.State != structs.TaskStateDead {
		tr.setStateLocked(structs.TaskStateDead, nil)
	}
	tr.persistLocked()
	tr.mu.Unlock()
	close(tr.killCh)
	tr.notify()
	switch {
	case recoverFirst:
		go tr.run()
	case !started:
		close(tr.waitCh)
	}
	return tr.waitDone(ctx)
}

func (tr *TaskRunner) waitDone(ctx context.Context) error {
	select {
	case <-tr.waitCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Restart stops the running task and starts it again. failure says
// whether it counts against the restart policy. ev, when not nil, is
// recorded (e.g. a "Restart Signaled" event). It returns once the request
// is queued.
func (tr *TaskRunner) Restart(ev *structs.TaskEvent, failure bool) error {
	tr.mu.Lock()
	running := tr.taskID != "" && !tr.killed
	tr.mu.Unlock()
	if !running {
		return fmt.Errorf("restart task %q: %w", tr.task.Name, ErrTaskNotRunning)
	}
	if ev != nil {
		tr.emitEvent(ev)
	}
	select {
	case tr.restartCh <- restartRequest{failure: failure}:
	default: // a restart is already pending
	}
	return nil
}

// EmitEvent records ev in the task's state and reports the change, for
// what the alloc runner does to the task that the task runner cannot see
// (e.g. waiting the group's shutdown_delay).
func (tr *TaskRunner) EmitEvent(ev *structs.TaskEvent) {
	tr.emitEvent(copyEvent(ev))
}

// Signal sends signal to the running task and records a Signaling event.
func (tr *TaskRunner) Signal(ctx context.Context, signal string) error {
	tr.mu.Lock()
	taskID := tr.taskID
	tr.mu.Unlock()
	if taskID == "" {
		return fmt.Errorf("signal task %q: %w", tr.task.Name, ErrTaskNotRunning)
	}
	d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", tr.task.Name, err)
	}
	ev := NewEvent(EventSignaling, fmt.Sprintf("Task being sent signal %s", signal))
	ev.Details["signal"] = signal
	tr.emitEvent(ev)
	if err := d.SignalTask(ctx, taskID, signal); err != nil {
		return fmt.Errorf("signal task %q: %w", tr.task.Name, err)
	}
	return nil
}

// PluginRestarted tells the runner its driver's plugin was relaunched:
// the running task is recovered through the new plugin, and one that
// cannot be is handled as a failed exit.
func (tr *TaskRunner) PluginRestarted() {
	select {
	case tr.pluginCh <- struct{}{}:
	default:
	}
}

// Shutdown stops the runner without touching the task, for an agent stop
// or restart; it returns once Run has returned.
func (tr *TaskRunner) Shutdown() {
	tr.shutdownCancel()
	tr.mu.Lock()
	started := tr.runStarted
	tr.mu.Unlock()
	if started {
		<-tr.waitCh
	}
}

// Destroy frees what the dead task still holds: a leftover driver task
// and the stop hooks' resources (the log collector). Kill it first.
func (tr *TaskRunner) Destroy(ctx context.Context) {
	tr.destroyLeftover(ctx)
	tr.runStopHooks(ctx)
	// The caller deletes the task's state next; nothing may write it
	// back.
	tr.mu.Lock()
	tr.destroyed = true
	tr.mu.Unlock()
}

// destroyLeftover destroys the driver task of a handle still persisted: a
// restored task that was never recovered, or one left by a runner that
// was shut down.
func (tr *TaskRunner) destroyLeftover(ctx context.Context) {
	tr.mu.Lock()
	h := tr.local.Handle
	if h != nil {
		tr.local.Handle = nil
		tr.persistLocalLocked()
	}
	tr.mu.Unlock()
	if h == nil || h.Config == nil {
		return
	}
	d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
	if err != nil {
		tr.logger.Warn("cannot destroy leftover task", "task_id", h.Config.ID, "error", err)
		return
	}
	if err := d.DestroyTask(ctx, h.Config.ID, true); err != nil && !errors.Is(err, plugin.ErrTaskNotFound) {
		tr.logger.Warn("failed to destroy task", "task_id", h.Config.ID, "error", err)
	}
}
