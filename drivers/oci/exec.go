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
	eio := ociruntime.ExecIO{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr}
	if stdio.TTY {
		done := make(chan struct{})
		defer close(done)
		eio.Resize = runtimeResize(stdio.Resize, done)
	}
	code, err := t.ctr.Exec(ctx, cmd, eio, stdio.TTY)
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

// runtimeResize forwards the protocol's terminal sizes to the runtime's
// type until in is closed or done is, then closes its channel. A nil in
// is a nil channel: the terminal keeps its size. The forward is
// unbuffered: while the runtime is busy, sizes wait in in, whose sender
// keeps only the newest.
func runtimeResize(in <-chan plugin.TerminalSize, done <-chan struct{}) <-chan ociruntime.TermSize {
	if in == nil {
		return nil
	}
	out := make(chan ociruntime.TermSize)
	go func() {
		defer close(out)
		for {
			select {
			case sz, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- ociruntime.TermSize{Width: sz.Width, Height: sz.Height}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return out
}
