package taskrunner

import (
	"context"
	"fmt"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// execDriver returns the driver and driver task ID of the running task,
// refusing a task that is not running (ErrTaskNotRunning) and a driver
// without exec (plugin.ErrNotSupported).
func (tr *TaskRunner) execDriver(ctx context.Context) (plugin.DriverPlugin, string, error) {
	tr.mu.Lock()
	taskID, killed := tr.taskID, tr.killed
	tr.mu.Unlock()
	if taskID == "" || killed {
		return nil, "", fmt.Errorf("exec in task %q: %w", tr.task.Name, ErrTaskNotRunning)
	}
	d, err := tr.cfg.Drivers.Driver(tr.task.Driver)
	if err != nil {
		return nil, "", fmt.Errorf("exec in task %q: %w", tr.task.Name, err)
	}
	caps, err := d.Capabilities(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("exec in task %q: capabilities of driver %q: %w", tr.task.Name, tr.task.Driver, err)
	}
	if caps == nil || !caps.Exec {
		return nil, "", fmt.Errorf("exec in task %q: driver %q: %w", tr.task.Name, tr.task.Driver, plugin.ErrNotSupported)
	}
	return d, taskID, nil
}

// CheckExec reports whether Exec can run a command in the task now: nil,
// or the error Exec would fail with before running anything.
func (tr *TaskRunner) CheckExec(ctx context.Context) error {
	_, _, err := tr.execDriver(ctx)
	return err
}

// Exec runs cmd in the running task through its driver and returns the
// command's exit. The task itself is not touched: it keeps running
// whatever becomes of the command, and cancelling ctx ends only the
// command.
func (tr *TaskRunner) Exec(ctx context.Context, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	d, taskID, err := tr.execDriver(ctx)
	if err != nil {
		return nil, err
	}
	if len(cmd) > 0 {
		tr.logger.Debug("exec in task", "task_id", taskID, "command", cmd[0], "args", len(cmd)-1, "tty", stdio.TTY)
	}
	res, err := d.ExecTask(ctx, taskID, cmd, stdio)
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: %w", tr.task.Name, err)
	}
	return res, nil
}
