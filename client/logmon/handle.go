package logmon

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// LaunchTimeout bounds how long Launch waits for the logmon to be ready.
const LaunchTimeout = 10 * time.Second

// killWait bounds how long Stop waits for the process to go after SIGKILL.
const killWait = 5 * time.Second

// pollInterval paces the checks for a real process to exit.
const pollInterval = 10 * time.Millisecond

// Sentinel errors.
var (
	// ErrUnsupported is returned by Launch, Reattach and Stop where there
	// is no /proc (anything but Linux).
	ErrUnsupported = errors.New("logmon is only supported on linux")
	// ErrInvalidConfig is wrapped by errors for a bad Config or bad Run
	// arguments.
	ErrInvalidConfig = errors.New("invalid logmon config")
	// ErrNotRunning is wrapped by Reattach's error when the process is
	// gone, or the PID now belongs to another process.
	ErrNotRunning = errors.New("logmon is not running")
)

// Handle identifies a running logmon; it is JSON-able so that the task
// runner can persist it and Reattach after an agent restart.
type Handle struct {
	PID        int
	StartTime  int64 // process start time (clock ticks after boot), guards PID reuse
	StdoutFifo string
	StderrFifo string
	Config     Config
}

// Launch starts a logmon for cfg by running `binary logmon ...` in its own
// session, and returns once it is reading the FIFOs (at most
// LaunchTimeout). Drivers open h.StdoutFifo and h.StderrFifo write-only.
// Launch does not look for an earlier logmon of the task: call Reattach
// with the persisted handle first, and Launch only when it fails. FIFOs
// already in place are reused, so a task still writing to them after an
// agent restart keeps its descriptors.
func Launch(binary string, cfg Config, logger hclog.Logger) (*Handle, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if !supported {
		return nil, ErrUnsupported
	}
	if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("launch logmon for %s: create log dir: %w", cfg.Task, err)
	}
	h := &Handle{StdoutFifo: cfg.fifoPath("stdout"), StderrFifo: cfg.fifoPath("stderr"), Config: cfg}
	for _, p := range []string{h.StdoutFifo, h.StderrFifo} {
		if err := ensureFifo(p); err != nil {
			return nil, fmt.Errorf("launch logmon for %s: %w", cfg.Task, err)
		}
	}
	logFile, err := os.OpenFile(cfg.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND|noFollow, 0o644)
	if err != nil {
		return nil, fmt.Errorf("launch logmon for %s: open its log: %w", cfg.Task, err)
	}
	defer logFile.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launch logmon for %s: %w", cfg.Task, err)
	}
	defer readyR.Close()

	cmd := exec.Command(binary, append([]string{"logmon"}, h.args()...)...)
	cmd.Dir = "/" // hold no directory busy
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.ExtraFiles = []*os.File{readyW} // fd 3 in the child
	cmd.SysProcAttr = detached()
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return nil, fmt.Errorf("launch logmon for %s: start %s: %w", cfg.Task, binary, err)
	}
	h.PID = cmd.Process.Pid
	exited := make(chan struct{})
	go func() {
		// Reap the child whenever it exits, so that it does not linger as
		// a zombie that looks alive to Stop and Reattach.
		cmd.Wait()
		close(exited)
	}()

	if err := waitReady(readyR); err != nil {
		cmd.Process.Kill()
		<-exited
		return nil, fmt.Errorf("launch logmon for %s: %w%s", cfg.Task, err, logTail(cfg.logPath()))
	}
	st, err := procStartTime(h.PID)
	if err != nil {
		cmd.Process.Kill()
		<-exited
		return nil, fmt.Errorf("launch logmon for %s: read its start time: %w", cfg.Task, err)
	}
	h.StartTime = st
	logger.Debug("logmon started", "task", cfg.Task, "pid", h.PID)
	return h, nil
}

// waitReady waits for the readiness byte on r. The child's exit closes
// the only write end left, so a dead child reads as EOF.
func waitReady(r *os.File) error {
	got := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := io.ReadFull(r, b[:])
		got <- err
	}()
	timer := time.NewTimer(LaunchTimeout)
	defer timer.Stop()
	select {
	case err := <-got:
		if err != nil {
			return errors.New("it exited before it was ready")
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("not ready after %s", LaunchTimeout)
	}
}

// logTail returns the end of the logmon's log, for launch errors.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return "; its log " + path + " ends with: " + strings.TrimSpace(string(b))
}

// ensureFifo makes p a FIFO, replacing anything else found there (the log
// directory is writable by tasks).
func ensureFifo(p string) error {
	fi, err := os.Lstat(p)
	switch {
	case err == nil && fi.Mode()&fs.ModeNamedPipe != 0:
		return nil
	case err == nil:
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("replace %s: %w", p, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err := mkfifo(p); err != nil {
		return fmt.Errorf("create fifo %s: %w", p, err)
	}
	return nil
}

// Reattach returns nil if h's process is alive and is the logmon it names:
// same PID, same start time, and a command line of `logmon` for the same
// task, log dir and FIFOs. Otherwise the error wraps ErrNotRunning (or
// ErrUnsupported) and the caller launches a new logmon.
func Reattach(h *Handle) error {
	if h == nil || h.PID <= 0 {
		return fmt.Errorf("%w: no process in handle", ErrNotRunning)
	}
	if !supported {
		return ErrUnsupported
	}
	if err := identify(h); err != nil {
		return fmt.Errorf("reattach logmon for %s (pid %d): %w", h.Config.Task, h.PID, err)
	}
	return nil
}

// identify checks that h.PID is alive and is h's logmon.
func identify(h *Handle) error {
	st, zombie, err := procStat(h.PID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotRunning, err)
	}
	if zombie {
		return fmt.Errorf("%w: the process has exited", ErrNotRunning)
	}
	if st != h.StartTime {
		return fmt.Errorf("%w: the pid now belongs to a process started at %d, not %d", ErrNotRunning, st, h.StartTime)
	}
	argv, err := procCmdline(h.PID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotRunning, err)
	}
	if !cmdlineMatches(argv, h) {
		return fmt.Errorf("%w: the pid runs %q, not this task's logmon", ErrNotRunning, strings.Join(argv, " "))
	}
	return nil
}

// Stop ends the logmon: SIGTERM, so it drains the FIFOs and flushes its
// files, then SIGKILL if it is still there after timeout. It then removes
// the FIFOs. A process that is already gone, or whose PID now belongs to
// another process (which is left alone), is not an error. Call it once
// the task has exited: a writer still holding a FIFO open would then get
// EPIPE.
func (h *Handle) Stop(timeout time.Duration) error {
	if !supported {
		return ErrUnsupported
	}
	var err error
	if h.PID > 0 && identify(h) == nil {
		err = h.terminate(timeout)
	}
	for _, p := range []string{h.StdoutFifo, h.StderrFifo} {
		if p == "" {
			continue
		}
		if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove fifo: %w", rerr))
		}
	}
	if err != nil {
		return fmt.Errorf("stop logmon for %s (pid %d): %w", h.Config.Task, h.PID, err)
	}
	return nil
}

// terminate signals the process and waits, bounded, for it to go.
func (h *Handle) terminate(timeout time.Duration) error {
	if err := signalProc(h.PID, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	if h.waitGone(timeout) {
		return nil
	}
	if err := signalProc(h.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("send SIGKILL: %w", err)
	}
	if h.waitGone(killWait) {
		return nil
	}
	return fmt.Errorf("still running %s after SIGKILL", killWait)
}

// waitGone polls until the process is gone (or a zombie, or its PID was
// reused) or d has passed.
func (h *Handle) waitGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		st, zombie, err := procStat(h.PID)
		if err != nil || zombie || st != h.StartTime {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
}
