package taskrunner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// waitRetry is how long a runner whose WaitTask broke (the plugin went
// away) waits for a plugin restart notice before re-attaching on its own.
const waitRetry = 5 * time.Second

type waitResult struct {
	res *plugin.ExitResult
	err error
}

// startWait waits for the task in a goroutine, through the driver as the
// manager hands it out now.
func (tr *TaskRunner) startWait(ctx context.Context, taskID string) (<-chan waitResult, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan waitResult, 1)
	go func() {
		d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
		if err != nil {
			ch <- waitResult{err: err}
			return
		}
		res, err := d.WaitTask(ctx, taskID)
		ch <- waitResult{res: res, err: err}
	}()
	return ch, cancel
}

// stopTask stops the task in a goroutine; the channel gets StopTask's
// error.
func (tr *TaskRunner) stopTask(ctx context.Context, taskID string) <-chan error {
	ch := make(chan error, 1)
	timeout := tr.killTimeout()
	go func() {
		d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
		if err == nil {
			err = d.StopTask(ctx, taskID, timeout, tr.task.KillSignal)
		}
		ch <- err
	}()
	return ch
}

func (tr *TaskRunner) killTimeout() time.Duration {
	if tr.task.KillTimeout > 0 {
		return tr.task.KillTimeout
	}
	return DefaultKillTimeout
}

// wait waits for the running task to exit, stopping it on a kill, a user
// restart or its max_run_duration, and re-attaching to it when its plugin
// was relaunched. A kill waits the task's shutdown_delay before the
// kill_signal is sent (shutdown_delay.go).
func (tr *TaskRunner) wait(ctx context.Context, taskID string) outcome {
	resCh, cancelWait := tr.startWait(ctx, taskID)
	defer func() { cancelWait() }()
	deadlineCh, stopDeadline := tr.deadlineTimer()
	defer stopDeadline()
	var (
		killCh    = tr.killCh
		restartCh = (<-chan restartRequest)(tr.restartCh)
		stopCh    <-chan error
		retryCh   <-chan time.Time
		stopRetry = func() bool { return false }
		killing   bool
		restart   *restartRequest
		// delayCh fires when the shutdown_delay of a kill has passed;
		// skipCh, set while it is waited, when SkipShutdownDelay cuts it
		// short.
		delayCh   <-chan time.Time
		stopDelay = func() bool { return false }
		skipCh    <-chan struct{}
	)
	defer func() { stopRetry() }()
	defer func() { stopDelay() }()
	// sendKill sends the kill signal, unless the task is already being
	// stopped (for a restart).
	sendKill := func() {
		delayCh, skipCh = nil, nil
		tr.emitEvent(killingEvent(tr.killTimeout()))
		if stopCh == nil {
			stopCh = tr.stopTask(ctx, taskID)
		}
	}
	// reattach recovers the task through the driver as it is now.
	reattach := func() error {
		d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
		if err != nil {
			return err
		}
		tr.mu.Lock()
		h := tr.local.Handle
		tr.mu.Unlock()
		if h == nil {
			return errors.New("no task handle to recover")
		}
		return d.RecoverTask(ctx, h)
	}
	for {
		select {
		case w := <-resCh:
			if w.err == nil && w.res != nil {
				return tr.exited(ctx, taskID, w.res, killing, restart)
			}
			if ctx.Err() != nil {
				return outcome{shutdown: true}
			}
			// The wait broke, most likely because the plugin went away:
			// wait for its relaunch, or try again after a while.
			tr.logger.Warn("waiting for task failed; will re-attach", "error", w.err)
			resCh = nil
			stopRetry()
			retryCh, stopRetry = tr.clock.NewTimer(waitRetry)
		case <-tr.pluginCh:
			stopRetry()
			retryCh = nil
			if err := reattach(); err != nil {
				if ctx.Err() != nil {
					return outcome{shutdown: true}
				}
				tr.logger.Warn("driver plugin restarted and the task could not be recovered", "error", err)
				return tr.exited(ctx, taskID, &plugin.ExitResult{Err: fmt.Sprintf("driver plugin restarted and the task could not be recovered: %v", err)}, killing, restart)
			}
			cancelWait()
			resCh, cancelWait = tr.startWait(ctx, taskID)
		case <-retryCh:
			retryCh = nil
			if err := reattach(); err != nil {
				if ctx.Err() != nil {
					return outcome{shutdown: true}
				}
				return tr.exited(ctx, taskID, &plugin.ExitResult{Err: fmt.Sprintf("lost the task: %v", err)}, killing, restart)
			}
			cancelWait()
			resCh, cancelWait = tr.startWait(ctx, taskID)
		case <-killCh:
			killCh, restartCh, deadlineCh = nil, nil, nil
			killing = true
			// A task already being stopped for a restart gets no delay:
			// it is going away now whatever we wait.
			if d := tr.shutdownDelay(); d > 0 && stopCh == nil {
				tr.logger.Debug("waiting for shutdown_delay before killing the task", "shutdown_delay", d)
				// The timer is armed before the event is recorded, so
				// that whoever sees the event may count on the timer.
				delayCh, stopDelay = tr.clock.NewTimer(d)
				skipCh = tr.skipDelayCh
				tr.emitEvent(ShutdownDelayEvent(d, ""))
			} else {
				sendKill()
			}
		case <-delayCh:
			sendKill()
		case <-skipCh:
			stopDelay()
			sendKill()
		case <-deadlineCh:
			// The deadline is not a graceful stop: no shutdown_delay, and
			// from here the task is being killed as by Kill, so it is not
			// restarted. The event fails the task.
			killCh, restartCh, deadlineCh = nil, nil, nil
			killing = true
			tr.logger.Info("task exceeded its max_run_duration; killing it", "max_run_duration", tr.maxRunDuration())
			tr.emitEvent(tr.deadlineEvent(true))
			sendKill()
		case req := <-restartCh:
			restartCh = nil
			restart = &req
			stopCh = tr.stopTask(ctx, taskID)
		case err := <-stopCh:
			stopCh = nil
			if err != nil && ctx.Err() == nil {
				// The task is gone or the driver cannot stop it; do not
				// wait for an exit that may never come.
				tr.logger.Warn("stopping task failed", "error", err)
				return tr.exited(ctx, taskID, &plugin.ExitResult{Err: fmt.Sprintf("stop task: %v", err)}, killing, restart)
			}
		case <-ctx.Done():
			return outcome{shutdown: true}
		}
	}
}

// exited records an exit: the driver forgets the task, exited hooks run,
// and Terminated (and Killed, for a kill) events are recorded.
func (tr *TaskRunner) exited(ctx context.Context, taskID string, res *plugin.ExitResult, killed bool, restart *restartRequest) outcome {
	if taskID != "" {
		if d, err := tr.cfg.Drivers.Driver(tr.task.Driver); err == nil {
			if err := d.DestroyTask(ctx, taskID, true); err != nil && !errors.Is(err, plugin.ErrTaskNotFound) {
				tr.logger.Warn("failed to destroy exited task", "task_id", taskID, "error", err)
			}
		}
	}
	for _, h := range tr.exitedHooks {
		if err := h.Exited(ctx); err != nil {
			tr.logger.Warn("exited hook failed", "hook", h.Name(), "error", err)
		}
	}
	// A user restart that raced with the exit is moot.
	select {
	case <-tr.restartCh:
	default:
	}
	tr.mu.Lock()
	tr.taskID = ""
	tr.local.Handle = nil
	tr.persistLocalLocked()
	tr.appendEventLocked(terminatedEvent(res.ExitCode, res.Signal, res.OOMKilled, res.Err))
	if killed {
		tr.appendEventLocked(NewEvent(EventKilled, "Task successfully killed"))
	}
	tr.persistLocked()
	tr.mu.Unlock()
	tr.notify()
	return outcome{exit: res, killed: killed, restart: restart}
}
