package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	runc "github.com/containerd/go-runc"
	"golang.org/x/sys/unix"
)

// readyFD is the monitor's file descriptor on which it reports to Start
// that the container runs ("ok") or why it does not ("error: ...").
const readyFD = 3

// MonitorMain is the container monitor's main: `nomadish oci-monitor
// <state dir>`. Start runs it in its own session; it creates and starts
// the container described by <state dir>/monitor.json, waits for the
// container's init and writes <state dir>/exit.json. It returns the
// monitor's exit code; problems are written to stderr (monitor.log).
func MonitorMain(args []string) int {
	if len(args) != 1 || !filepath.IsAbs(args[0]) {
		fmt.Fprintf(os.Stderr, "usage: nomadish %s <absolute state dir>; got %q\n", MonitorCommand, args)
		return 2
	}
	ready := os.NewFile(readyFD, "ready")
	m := &monitor{dir: args[0], ready: ready}
	if err := m.run(); err != nil {
		fmt.Fprintf(os.Stderr, "oci monitor: %v\n", err)
		m.report("error: " + oneLine(err.Error()))
		return 1
	}
	return 0
}

type monitor struct {
	dir   string
	ready *os.File // nil once reported
	req   request
}

// report tells Start how the start went, once.
func (m *monitor) report(msg string) {
	if m.ready == nil {
		return
	}
	io.WriteString(m.ready, msg+"\n")
	m.ready.Close()
	m.ready = nil
}

func (m *monitor) run() error {
	// The monitor lives on its own: no terminal, no parent to follow.
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGTERM)
	if err := readJSON(filepath.Join(m.dir, fileRequest), &m.req); err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	// Orphans of the container (its init, once the runtime's create
	// exits) become our children, so we can wait for the init.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	init, err := m.startContainer()
	if err != nil {
		m.writeExit(Exit{Code: -1, Time: time.Now(), Err: err.Error()})
		return err
	}
	m.report("ok")

	exit := m.waitInit(init.Init.PID)
	if n, err := init.Cgroups.oomKills(); err == nil && n > 0 {
		exit.OOMKilled = true
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "oci monitor: read OOM kills: %v\n", err)
	}
	m.reapOrphans()
	if err := m.writeExit(exit); err != nil {
		return err
	}
	return nil
}

// startContainer creates and starts the container and records its init.
func (m *monitor) startContainer() (*started, error) {
	req := m.req
	ctx, cancel := context.WithTimeout(context.Background(), req.StartTimeout)
	defer cancel()
	logPath := filepath.Join(m.dir, fileRuntimeLog)
	client := newClient(req.Runtime, req.Root, logPath)
	stdio, err := openStdio(req.Stdout, req.Stderr)
	if err != nil {
		return nil, err
	}
	pidFile := filepath.Join(m.dir, fileInitPID)
	err = client.Create(ctx, req.ID, req.Bundle, &runc.CreateOpts{IO: stdio, PidFile: pidFile})
	stdio.Close()
	if err != nil {
		return nil, runtimeError("create", req, logPath, err)
	}
	fail := func(err error) (*started, error) {
		dctx, dcancel := context.WithTimeout(context.Background(), defaultCallTimeout)
		defer dcancel()
		client.Delete(dctx, req.ID, &runc.DeleteOpts{Force: true})
		return nil, err
	}
	data, err := readBounded(pidFile, 64)
	if err != nil {
		return fail(fmt.Errorf("read init pid file: %w", err))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return fail(fmt.Errorf("init pid file holds %q, not a pid", data))
	}
	id, err := identify(pid)
	if err != nil {
		return fail(fmt.Errorf("identify init pid %d: %w", pid, err))
	}
	cg, err := cgroupsOf(pid)
	if err != nil {
		return fail(err)
	}
	st := &started{Init: id, Cgroups: cg, StartedAt: time.Now()}
	if err := writeJSON(filepath.Join(m.dir, fileStarted), st); err != nil {
		return fail(fmt.Errorf("write %s: %w", fileStarted, err))
	}
	if err := client.Start(ctx, req.ID); err != nil {
		return fail(runtimeError("start", req, logPath, err))
	}
	return st, nil
}

// waitInit waits for the container's init, which is our child since the
// runtime's create exited (we are its subreaper).
func (m *monitor) waitInit(pid int) Exit {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return Exit{Code: -1, Time: time.Now(), Err: fmt.Sprintf("wait for container init %d: %v", pid, err)}
		}
		return exitFromStatus(ws, time.Now())
	}
}

// reapOrphans reaps whatever else of the container was reparented to us.
func (m *monitor) reapOrphans() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

func (m *monitor) writeExit(e Exit) error {
	if err := writeJSON(filepath.Join(m.dir, fileExit), e); err != nil {
		return fmt.Errorf("write %s: %w", fileExit, err)
	}
	return nil
}

// runtimeError wraps a failed runtime call with what the runtime logged.
func runtimeError(op string, req request, logPath string, err error) error {
	msg := runtimeLogErrors(readTail(logPath, 4096))
	if msg != "" {
		return fmt.Errorf("%s container %q with %s: %s (%w)", op, req.ID, filepath.Base(req.Runtime), msg, err)
	}
	return fmt.Errorf("%s container %q with %s: %w", op, req.ID, filepath.Base(req.Runtime), err)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// fileIO hands the container the task's log files as its stdout and
// stderr and /dev/null as its stdin: the runtime passes them through to
// the init.
type fileIO struct {
	stdin, stdout, stderr *os.File
}

func openStdio(stdoutPath, stderrPath string) (*fileIO, error) {
	in, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	out, err := openLog(stdoutPath)
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("open stdout %q: %w", stdoutPath, err)
	}
	errf, err := openLog(stderrPath)
	if err != nil {
		in.Close()
		out.Close()
		return nil, fmt.Errorf("open stderr %q: %w", stderrPath, err)
	}
	return &fileIO{stdin: in, stdout: out, stderr: errf}, nil
}

// openLog opens a log file or FIFO for appending. Opening a FIFO blocks
// until its reader (the client's log collector) has it open.
func openLog(path string) (*os.File, error) {
	if path == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
}

func (f *fileIO) Close() error {
	f.stdin.Close()
	f.stdout.Close()
	return f.stderr.Close()
}
func (f *fileIO) Stdin() io.WriteCloser { return nil }
func (f *fileIO) Stdout() io.ReadCloser { return nil }
func (f *fileIO) Stderr() io.ReadCloser { return nil }
func (f *fileIO) Set(cmd *exec.Cmd) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.stdin, f.stdout, f.stderr
}
