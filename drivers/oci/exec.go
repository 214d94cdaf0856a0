package oci

import (
	"context"
	"errors"
	"fmt"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// ExecTask runs cmd inside the container with the runtime's exec: in its
// namespaces and cgroup, as its user, with its environment.
func (d *Driver) ExecTask(ctx context.Context, taskID string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
	}
	if len(cmd) == 0 {
		return nil, fmt.Errorf("exec in task %q: no command: give the program to run and its arguments", taskID)
	}
	if !t.running() {
		return nil, fmt.Errorf("exec in task %q: the task has exited", taskID)
	}
	code, err := t.ctr.Exec(ctx, cmd, ociruntime.ExecIO{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr}, stdio.TTY)
	if err != nil {
		if errors.Is(err, ociruntime.ErrNotRunning) {
			return nil, fmt.Errorf("exec in task %q: the task has exited", taskID)
		}
		return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
	}
	res := &plugin.ExitResult{ExitCode: code}
	if code > 128 && code < 128+65 {
		// The runtime reports a command killed by signal N as 128+N.
		res.Signal = code - 128
	}
	return res, nil
}
