package allocrunner

import (
	"context"
	"errors"
	"fmt"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// lookup returns the runners task names: every task for "", else the one.
func (ar *AllocRunner) lookup(task string) ([]*taskrunner.TaskRunner, error) {
	if task == "" {
		out := make([]*taskrunner.TaskRunner, 0, len(ar.names))
		for _, n := range ar.names {
			out = append(out, ar.tasks[n])
		}
		return out, nil
	}
	tr, ok := ar.tasks[task]
	if !ok {
		return nil, fmt.Errorf("task %q of allocation %s: %w", task, ar.cfg.Alloc.ID, ErrUnknownTask)
	}
	return []*taskrunner.TaskRunner{tr}, nil
}

// RestartTask restarts a running task, or every running task when task is
// "". The restart does not count against the restart policy.
func (ar *AllocRunner) RestartTask(task string) error {
	trs, err := ar.lookup(task)
	if err != nil {
		return err
	}
	var errs []error
	for _, tr := range trs {
		ev := taskrunner.NewEvent(taskrunner.EventRestartSignal, "User requested restart")
		err := tr.Restart(ev, false)
		if err != nil && (task != "" || !errors.Is(err, ErrTaskNotRunning)) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SignalTask sends signal to a running task, or to every running task
// when task is "".
func (ar *AllocRunner) SignalTask(task, signal string) error {
	trs, err := ar.lookup(task)
	if err != nil {
		return err
	}
	var errs []error
	for _, tr := range trs {
		err := tr.Signal(context.Background(), signal)
		if err != nil && (task != "" || !errors.Is(err, ErrTaskNotRunning)) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Stats returns the latest resource usage sample of each running task.
func (ar *AllocRunner) Stats() map[string]*plugin.TaskResourceUsage {
	out := map[string]*plugin.TaskResourceUsage{}
	for n, tr := range ar.tasks {
		if u := tr.Stats(); u != nil {
			out[n] = u
		}
	}
	return out
}

// PluginRestarted tells the runner that the named driver's plugin was
// relaunched: its tasks are recovered, and a task that cannot be is
// treated as a failed exit under the restart policy.
func (ar *AllocRunner) PluginRestarted(driver string) {
	for _, tr := range ar.tasks {
		if tr.Task().Driver == driver {
			tr.PluginRestarted()
		}
	}
}
