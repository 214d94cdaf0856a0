package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// ExecTask runs cmd in the container through the engine's exec API, with
// its stdin, stdout and stderr over the hijacked connection, and returns
// its exit code from the exec's inspect.
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
	ex, err := t.c.ExecCreate(ctx, t.state.ContainerID, client.ExecCreateOptions{
		TTY: stdio.TTY, AttachStdin: stdio.Stdin != nil, AttachStdout: true, AttachStderr: true, Cmd: cmd,
	})
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
	}
	att, err := t.c.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{TTY: stdio.TTY})
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: attach: %w", taskID, err)
	}
	defer att.Close()
	if stdio.TTY && stdio.Resize != nil {
		go forwardResizes(ctx, t.c, ex.ID, stdio.Resize)
	}
	if stdio.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, stdio.Stdin)
			_ = att.CloseWrite()
		}()
	}
	out := make(chan error, 1)
	go func() {
		var err error
		if stdio.TTY {
			_, err = io.Copy(stdio.Stdout, att.Reader)
		} else {
			_, err = stdcopy.StdCopy(stdio.Stdout, stdio.Stderr, att.Reader)
		}
		out <- err
	}()
	select {
	case err := <-out:
		if err != nil {
			return nil, fmt.Errorf("exec in task %q: output: %w", taskID, err)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ins, err := t.c.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: inspect: %w", taskID, err)
	}
	res := &plugin.ExitResult{ExitCode: ins.ExitCode}
	if ins.ExitCode > 128 && ins.ExitCode <= 128+64 {
		res.Signal = ins.ExitCode - 128
	}
	return res, nil
}

// execResizer is what forwardResizes needs of the engine's client.
type execResizer interface {
	ExecResize(ctx context.Context, execID string, options client.ExecResizeOptions) (client.ExecResizeResult, error)
}

// forwardResizes sets the exec's terminal to every size that arrives on
// sizes, until it is closed (the exec has ended) or ctx is done. A failed
// resize is not the command's failure: the next one may take.
func forwardResizes(ctx context.Context, c execResizer, execID string, sizes <-chan plugin.TerminalSize) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-sizes:
			if !ok {
				return
			}
			_, _ = c.ExecResize(ctx, execID, client.ExecResizeOptions{Height: uint(sz.Height), Width: uint(sz.Width)})
		}
	}
}
