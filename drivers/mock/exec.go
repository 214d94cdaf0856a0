package mock

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// ExecTask pretends to run a command in a running task. It knows three:
// `echo ARGS...` prints its arguments, `cat` copies stdin to stdout, and
// `exit N` exits with code N. Anything else exits 127 as a shell would.
// It has no terminal: TTY and Resize are ignored.
func (d *Driver) ExecTask(ctx context.Context, taskID string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
	}
	if !t.running() {
		return nil, fmt.Errorf("exec in task %q: task has exited", taskID)
	}
	if len(cmd) == 0 {
		return nil, fmt.Errorf("exec in task %q: empty command", taskID)
	}
	switch cmd[0] {
	case "echo":
		if _, err := io.WriteString(stdio.Stdout, strings.Join(cmd[1:], " ")+"\n"); err != nil {
			return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
		}
		return &plugin.ExitResult{}, nil
	case "cat":
		if stdio.Stdin != nil {
			if _, err := io.Copy(stdio.Stdout, ctxReader{ctx, stdio.Stdin}); err != nil {
				return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
			}
		}
		return &plugin.ExitResult{}, nil
	case "exit":
		code := 0
		if len(cmd) > 1 {
			if code, err = strconv.Atoi(cmd[1]); err != nil {
				return nil, fmt.Errorf("exec in task %q: exit code %q is not a number", taskID, cmd[1])
			}
		}
		return &plugin.ExitResult{ExitCode: code}, nil
	default:
		fmt.Fprintf(stdio.Stderr, "mock: %s: command not found\n", cmd[0])
		return &plugin.ExitResult{ExitCode: 127}, nil
	}
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
