package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	runc "github.com/containerd/go-runc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecIO is an exec'd process's standard streams. Stdin may be nil (no
// input); Stdout must not be; Stderr is ignored with a terminal, whose
// output is all on Stdout. Resize, with a terminal, carries its new
// sizes; it may be nil.
type ExecIO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Resize <-chan TermSize
}

// TermSize is a terminal's size in characters.
type TermSize struct {
	Width, Height uint16
}

// execWaitDelay is how long an exec waits for its stdin copy to end once
// the process has exited (a blocked reader of the caller's stdin must not
// hold it forever).
const execWaitDelay = time.Second

// maxConfig bounds the bundle's config.json read for an exec.
const maxConfig = 4 << 20

// Exec runs cmd inside the container, with the container's environment,
// user, working directory and confinement, and returns its exit code.
// With tty, the process gets a terminal. It ends when the process does or
// ctx ends (the process is then killed).
func (c *Container) Exec(ctx context.Context, cmd []string, stdio ExecIO, tty bool) (int, error) {
	if len(cmd) == 0 {
		return -1, fmt.Errorf("oci runtime: exec in %q: empty command: give the program and its arguments", c.id)
	}
	if stdio.Stdout == nil || (!tty && stdio.Stderr == nil) {
		return -1, fmt.Errorf("oci runtime: exec in %q: stdout and stderr must be set", c.id)
	}
	if c.exited() {
		return -1, fmt.Errorf("oci runtime: exec in %q: %w", c.id, ErrNotRunning)
	}
	proc, err := c.process()
	if err != nil {
		return -1, err
	}
	proc.Args = cmd
	proc.Terminal = tty
	proc.ConsoleSize = nil

	var opts *runc.ExecOpts
	if tty {
		t, err := newExecTTY(stdio)
		if err != nil {
			return -1, fmt.Errorf("oci runtime: exec in %q: allocate a terminal: %w", c.id, err)
		}
		defer t.close()
		opts = &runc.ExecOpts{IO: t.io}
	} else {
		opts = &runc.ExecOpts{IO: &execIO{stdin: stdio.Stdin, stdout: stdio.Stdout, stderr: stdio.Stderr}}
	}
	err = c.rt.client.Exec(ctx, c.id, *proc, opts)
	var ee *runc.ExitError
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return -1, fmt.Errorf("oci runtime: exec in %q: %w", c.id, ctx.Err())
	case errors.As(err, &ee):
		if c.exited() {
			return -1, fmt.Errorf("oci runtime: exec in %q: %w", c.id, ErrNotRunning)
		}
		return ee.Status, nil
	}
	return -1, fmt.Errorf("oci runtime: exec in %q: %w", c.id, err)
}

// process is the container's own process spec, the base of an exec.
func (c *Container) process() (*specs.Process, error) {
	data, err := readBounded(filepath.Join(c.bundle, "config.json"), maxConfig)
	if err != nil {
		return nil, fmt.Errorf("oci runtime: exec in %q: read bundle config: %w", c.id, err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("oci runtime: exec in %q: decode bundle config: %w", c.id, err)
	}
	if spec.Process == nil {
		return nil, fmt.Errorf("oci runtime: exec in %q: bundle config has no process", c.id)
	}
	return spec.Process, nil
}

// execIO gives the runtime's exec the caller's streams, or with a
// terminal the pty it runs on (ctty).
type execIO struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	ctty           *os.File // the pty's slave, closed once the runtime has it
}

// CloseAfterStart closes our copy of the pty's slave once the runtime has
// its own, so the master reads EOF when the runtime exits.
func (e *execIO) CloseAfterStart() error {
	if e.ctty != nil {
		return e.ctty.Close()
	}
	return nil
}

func (e *execIO) Close() error          { return nil }
func (e *execIO) Stdin() io.WriteCloser { return nil }
func (e *execIO) Stdout() io.ReadCloser { return nil }
func (e *execIO) Stderr() io.ReadCloser { return nil }
func (e *execIO) Set(cmd *exec.Cmd) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.WaitDelay = execWaitDelay
	if e.ctty != nil {
		// The runtime's exec with a terminal wants a controlling
		// terminal of its own: it copies between it and the pty it
		// allocates in the container, and follows its size (SIGWINCH).
		cmd.SysProcAttr.Setpgid = false
		cmd.SysProcAttr.Setsid = true
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	}
}
