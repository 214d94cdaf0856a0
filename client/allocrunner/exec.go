package allocrunner

import (
	"context"
	"fmt"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// execRunner returns the runner of the one task an exec names; exec
// always names a task.
func (ar *AllocRunner) execRunner(task string) (*taskrunner.TaskRunner, error) {
	if task == "" {
		return nil, fmt.Errorf("exec in allocation %s: no task named: %w", ar.cfg.Alloc.ID, ErrUnknownTask)
	}
	trs, err := ar.lookup(task)
	if err != nil {
		return nil, err
	}
	return trs[0], nil
}

// CheckExec reports whether ExecTask can run a command in the task now:
// ErrUnknownTask, ErrTaskNotRunning and plugin.ErrNotSupported (a driver
// without exec) are what it refuses with.
func (ar *AllocRunner) CheckExec(ctx context.Context, task string) error {
	tr, err := ar.execRunner(task)
	if err != nil {
		return err
	}
	return tr.CheckExec(ctx)
}

// ExecTask runs cmd inside the named running task and returns its exit.
// The task keeps running whatever becomes of the command.
func (ar *AllocRunner) ExecTask(ctx context.Context, task string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	tr, err := ar.execRunner(task)
	if err != nil {
		return nil, err
	}
	return tr.Exec(ctx, cmd, stdio)
}
