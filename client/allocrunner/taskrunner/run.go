package taskrunner

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nomadish/nomadish/client/restarts"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// outcome is how one start of the task ended.
type outcome struct {
	shutdown bool               // the runner was shut down; the task may run on
	killed   bool               // Kill ended it
	startErr error              // a prestart hook or StartTask failed
	exit     *plugin.ExitResult // the task exited
	restart  *restartRequest    // it exited because the user restarted it
}

// Run runs the task until it is dead for good or the runner is shut down.
// It does nothing when called again, after Kill, or for a task restored
// dead.
func (tr *TaskRunner) Run() {
	tr.mu.Lock()
	if tr.runStarted || tr.killed {
		tr.mu.Unlock()
		return
	}
	tr.runStarted = true
	tr.mu.Unlock()
	tr.run()
}

func (tr *TaskRunner) run() {
	defer close(tr.waitCh)
	tr.mu.Lock()
	dead := tr.state.State == structs.TaskStateDead
	restoring := tr.restored
	tr.persistLocked()
	tr.mu.Unlock()
	if dead {
		return
	}
	tr.notify()

	for {
		out := tr.runOnce(restoring)
		if out.shutdown {
			return
		}
		if out.killed || tr.isKilled() {
			tr.setState(structs.TaskStateDead, nil)
			break
		}
		if restoring && out.startErr != nil && plugin.IsRecoverable(out.startErr) {
			// The restored task may still run (e.g. its plugin is not
			// back yet): try to recover it again later, without counting
			// a restart, and never start it twice.
			if tr.sleep(waitRetry) {
				continue
			}
			if tr.shutdownCtx.Err() != nil {
				return
			}
			tr.setState(structs.TaskStateDead, nil)
			break
		}
		restoring = false
		switch {
		case out.restart != nil:
			tr.tracker.SetRestartTriggered(out.restart.failure)
		case out.startErr != nil:
			tr.tracker.SetStartError(out.startErr)
		default:
			tr.tracker.SetExitResult(out.exit)
		}
		decision, delay, reason := tr.tracker.Next(tr.clock.Now())
		if decision == restarts.Restart {
			tr.setState(structs.TaskStatePending, restartingEvent(delay, reason))
			slept, pastDeadline := tr.sleepBeforeRestart(delay)
			if slept {
				continue
			}
			if tr.shutdownCtx.Err() != nil {
				return
			}
			var ev *structs.TaskEvent // nil: killed while waiting
			if pastDeadline {
				ev = tr.deadlineEvent(false)
			}
			tr.setState(structs.TaskStateDead, ev)
			break
		}
		// NoRestart (a batch task that succeeded) ends without an event,
		// as in Nomad; Fail says why.
		var ev *structs.TaskEvent
		if decision == restarts.Fail {
			ev = failing(NewEvent(EventNotRestarting, reason))
			ev.Details["restart_reason"] = reason
		}
		tr.setState(structs.TaskStateDead, ev)
		break
	}
	tr.destroyLeftover(tr.shutdownCtx)
	tr.runStopHooks(tr.shutdownCtx)
}

// sleep waits d on the clock; false means a kill or shutdown came first.
func (tr *TaskRunner) sleep(d time.Duration) bool {
	ch, stop := tr.clock.NewTimer(d)
	defer stop()
	select {
	case <-ch:
		return true
	case <-tr.killCh:
		return false
	case <-tr.shutdownCtx.Done():
		return false
	}
}

// sleepBeforeRestart waits d on the clock before a restart. slept is
// false when a kill, a shutdown or the task's max_run_duration came first;
// pastDeadline says it was the last.
func (tr *TaskRunner) sleepBeforeRestart(d time.Duration) (slept, pastDeadline bool) {
	deadline, stopDeadline := tr.deadlineTimer()
	defer stopDeadline()
	ch, stop := tr.clock.NewTimer(d)
	defer stop()
	select {
	case <-ch:
		return true, false
	case <-deadline:
		return false, true
	case <-tr.killCh:
		return false, false
	case <-tr.shutdownCtx.Done():
		return false, false
	}
}

func (tr *TaskRunner) isKilled() bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.killed
}

// runOnce prepares and starts (or recovers) the task and waits for it.
func (tr *TaskRunner) runOnce(restoring bool) outcome {
	ctx := tr.shutdownCtx
	setup := &Setup{Task: tr.task, Alloc: tr.cfg.Alloc}
	if err := tr.runPrestart(ctx, setup, restoring); err != nil {
		switch {
		case ctx.Err() != nil:
			return outcome{shutdown: true}
		case tr.isKilled():
			return outcome{killed: true}
		}
		tr.logger.Warn("prestart failed", "error", err)
		ev := NewEvent(setupEventType(err), err.Error())
		if !plugin.IsRecoverable(err) {
			failing(ev)
		}
		// A restored task retries its prestart until the plugin is back;
		// one event says why, not one per retry.
		if !restoring || !tr.lastEventIs(ev) {
			tr.emitEvent(ev)
		}
		return outcome{startErr: err}
	}
	if tr.isKilled() && !restoring {
		return outcome{killed: true}
	}

	// A plugin restart notice from before this start is moot: the task is
	// started (or recovered) through the driver as it is now.
	select {
	case <-tr.pluginCh:
	default:
	}
	var taskID string
	if restoring {
		tr.mu.Lock()
		h := tr.local.Handle
		tr.mu.Unlock()
		if err := setup.Driver.RecoverTask(ctx, h); err != nil {
			if ctx.Err() != nil {
				return outcome{shutdown: true}
			}
			tr.logger.Warn("could not recover task; treating it as failed", "error", err)
			return tr.exited(ctx, "", &plugin.ExitResult{Err: fmt.Sprintf("recover task after restart: %v", err)}, false, nil)
		}
		taskID = h.Config.ID
		tr.mu.Lock()
		tr.taskID = taskID
		if tr.state.State != structs.TaskStateRunning {
			// A restored prestart failed before; no Started event: the
			// task never stopped.
			tr.setStateLocked(structs.TaskStateRunning, nil)
			tr.persistLocked()
		}
		tr.mu.Unlock()
		tr.notify()
		tr.logger.Info("task recovered", "task_id", taskID)
	} else {
		cfg := tr.taskConfig(setup)
		h, err := setup.Driver.StartTask(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return outcome{shutdown: true}
			}
			ev := NewEvent(EventDriverFailure, err.Error())
			if !plugin.IsRecoverable(err) {
				failing(ev)
			}
			tr.emitEvent(ev)
			return outcome{startErr: err}
		}
		taskID = cfg.ID
		tr.mu.Lock()
		tr.taskID = taskID
		tr.local.Handle = h
		tr.noteStartedLocked(tr.clock.Now())
		tr.persistLocalLocked()
		tr.setStateLocked(structs.TaskStateRunning, NewEvent(EventStarted, "Task started by client"))
		tr.persistLocked()
		tr.mu.Unlock()
		tr.notify()
	}

	for _, h := range tr.poststartHooks {
		if err := h.Poststart(ctx, &PoststartRequest{TaskID: taskID, Driver: setup.Driver}); err != nil {
			tr.logger.Warn("poststart hook failed", "hook", h.Name(), "error", err)
		}
	}
	return tr.wait(ctx, taskID)
}

// runPrestart runs the prestart hooks in order, persisting what each
// wants kept. A kill cancels them.
func (tr *TaskRunner) runPrestart(ctx context.Context, setup *Setup, restoring bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-tr.killCh:
			if !restoring {
				cancel()
			}
		case <-ctx.Done():
		}
	}()
	for _, h := range tr.prestartHooks {
		tr.mu.Lock()
		old := tr.local.Hooks[h.Name()]
		tr.mu.Unlock()
		req := &PrestartRequest{Setup: setup, HookState: old, Restoring: restoring}
		if err := h.Prestart(ctx, req); err != nil {
			return err
		}
		if !bytes.Equal(old, req.HookState) {
			tr.mu.Lock()
			if req.HookState == nil {
				delete(tr.local.Hooks, h.Name())
			} else {
				tr.local.Hooks[h.Name()] = req.HookState
			}
			tr.persistLocalLocked()
			tr.mu.Unlock()
		}
	}
	return nil
}

// taskConfig is what StartTask gets: a fresh ID per start, the
// interpolated environment and driver config, and the task's share of the
// allocation's resources.
func (tr *TaskRunner) taskConfig(s *Setup) *plugin.TaskConfig {
	alloc := tr.cfg.Alloc
	cfg := &plugin.TaskConfig{
		ID:            fmt.Sprintf("%s/%s/%s", alloc.ID, tr.task.Name, uuid.NewString()[:8]),
		Name:          tr.task.Name,
		AllocID:       alloc.ID,
		JobName:       alloc.JobID,
		TaskGroupName: alloc.TaskGroup,
		User:          tr.task.User,
		DriverConfig:  s.DriverConfig,
		TaskDir:       s.TaskDir,
		StdoutPath:    s.StdoutPath,
		StderrPath:    s.StderrPath,
		Resources:     taskResources(alloc, tr.task),
		Mounts:        s.Mounts,
	}
	if alloc.Job != nil && alloc.Job.Name != "" {
		cfg.JobName = alloc.Job.Name
	}
	if s.Env != nil {
		cfg.Env = s.Env.Map()
	}
	return cfg
}

// taskResources is the task's share of alloc.AllocatedResources, or what
// the task asked for when the allocation carries none.
func taskResources(alloc *structs.Allocation, task *structs.Task) plugin.Resources {
	var r plugin.Resources
	if ar := alloc.AllocatedResources; ar != nil {
		r.DiskMB = ar.Shared.DiskMB
		if tr := ar.Tasks[task.Name]; tr != nil {
			r.CPUMHz = tr.Cpu.CpuShares
			r.Cores = int64(len(tr.Cpu.ReservedCores))
			r.MemoryMB = tr.Memory.MemoryMB
			r.MemoryMaxMB = tr.Memory.MemoryMaxMB
			return r
		}
	}
	if res := task.Resources; res != nil {
		r.CPUMHz = int64(res.CPU)
		r.Cores = int64(res.Cores)
		r.MemoryMB = int64(res.MemoryMB)
		r.MemoryMaxMB = int64(res.MemoryMaxMB)
	}
	return r
}

// runStopHooks runs the stop hooks once.
func (tr *TaskRunner) runStopHooks(ctx context.Context) {
	tr.mu.Lock()
	if tr.stopHooksRan {
		tr.mu.Unlock()
		return
	}
	tr.stopHooksRan = true
	states := make(map[string][]byte, len(tr.local.Hooks))
	for k, v := range tr.local.Hooks {
		states[k] = v
	}
	tr.mu.Unlock()
	for _, h := range tr.stopHooks {
		if err := h.Stop(ctx, &StopRequest{HookState: states[h.Name()]}); err != nil {
			tr.logger.Warn("stop hook failed", "hook", h.Name(), "error", err)
		}
	}
}
