package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	runc "github.com/containerd/go-runc"
	"golang.org/x/sys/unix"
)

// Container is a container run by a monitor: one Start or Recover made
// it. Its methods may be called from several goroutines.
type Container struct {
	rt      *Runtime
	id      string
	dir     string
	bundle  string
	monitor procID
	init    procID
	cgroups cgroups

	// StartedAt is when the container's init was started.
	StartedAt time.Time

	// reaped is closed once this process has reaped the monitor (it is
	// our child); nil for a recovered container, whose monitor is not.
	reaped chan struct{}

	mu        sync.Mutex // guards monitorFD
	monitorFD int        // pidfd of the monitor, -1 once closed or never opened
}

// ID is the container's id.
func (c *Container) ID() string { return c.id }

// Pid is the host pid of the container's init.
func (c *Container) Pid() int { return c.init.PID }

// MonitorPid is the pid of the container's monitor.
func (c *Container) MonitorPid() int { return c.monitor.PID }

// Start runs the bundle in bundleDir (config.json and rootfs) as container
// id, with stdout and stderr going to the files or FIFOs at stdoutPath and
// stderrPath, and returns once the container's init runs. The container
// is detached: it outlives ctx and this process.
func (r *Runtime) Start(ctx context.Context, bundleDir, id, stdoutPath, stderrPath string) (*Container, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(bundleDir) {
		return nil, fmt.Errorf("oci runtime: start %q: bundle dir %q is relative: give an absolute path", id, bundleDir)
	}
	if _, err := os.Stat(filepath.Join(bundleDir, "config.json")); err != nil {
		return nil, fmt.Errorf("oci runtime: start %q: bundle %q has no config.json: %w", id, bundleDir, err)
	}
	dir := r.dir(id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("oci runtime: start %q: %w", id, ErrExists)
		}
		return nil, fmt.Errorf("oci runtime: start %q: create state dir: %w", id, err)
	}
	c, err := r.start(ctx, dir, bundleDir, id, stdoutPath, stderrPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (r *Runtime) start(ctx context.Context, dir, bundleDir, id, stdoutPath, stderrPath string) (*Container, error) {
	req := request{
		ID: id, Bundle: bundleDir, Runtime: r.path, Root: r.cfg.Root,
		Stdout: stdoutPath, Stderr: stderrPath, StartTimeout: r.cfg.StartTimeout,
	}
	if err := writeJSON(filepath.Join(dir, fileRequest), req); err != nil {
		return nil, fmt.Errorf("oci runtime: start %q: write %s: %w", id, fileRequest, err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, fileMonitorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("oci runtime: start %q: %w", id, err)
	}
	defer logf.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("oci runtime: start %q: %w", id, err)
	}
	defer readyR.Close()

	cmd := monitorCmd(r.monPath, append(append([]string{}, r.monArgs...), dir), r.cfg.MonitorEnv)
	cmd.Stderr = logf
	cmd.ExtraFiles = []*os.File{readyW} // readyFD
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return nil, fmt.Errorf("oci runtime: start %q: run monitor %s: %w", id, r.monPath, err)
	}
	// The monitor is our unreaped child until the goroutine below waits
	// for it, so its pid cannot be reused before the pidfd is open.
	pid := cmd.Process.Pid
	fd, fdErr := unix.PidfdOpen(pid, 0)
	mon, idErr := identify(pid)
	reaped := make(chan struct{})
	go func() {
		cmd.Wait()
		close(reaped)
	}()
	c := &Container{rt: r, id: id, dir: dir, bundle: bundleDir, monitor: mon, reaped: reaped, monitorFD: -1}
	if fdErr == nil {
		c.monitorFD = fd
	}
	if fdErr != nil || idErr != nil {
		c.abort()
		return nil, fmt.Errorf("oci runtime: start %q: track monitor pid %d: %w", id, pid, errors.Join(fdErr, idErr))
	}
	if err := writeJSON(filepath.Join(dir, fileMonitorPID), mon); err != nil {
		c.abort()
		return nil, fmt.Errorf("oci runtime: start %q: write %s: %w", id, fileMonitorPID, err)
	}

	deadline := time.Now().Add(r.cfg.StartTimeout + r.cfg.CallTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	line, err := readReady(ctx, readyR, deadline)
	switch {
	case err != nil:
		c.abort()
		return nil, fmt.Errorf("oci runtime: start %q: waiting for the monitor: %w", id, err)
	case line == "ok":
	case strings.HasPrefix(line, "error: "):
		c.waitReaped()
		c.closeFD()
		return nil, fmt.Errorf("oci runtime: %s", strings.TrimPrefix(line, "error: "))
	default:
		c.abort()
		log := strings.TrimSpace(readTail(filepath.Join(dir, fileMonitorLog), 2048))
		return nil, fmt.Errorf("oci runtime: start %q: the monitor exited without reporting (monitor log: %q)", id, log)
	}
	var st started
	if err := readJSON(filepath.Join(dir, fileStarted), &st); err != nil {
		c.abort()
		return nil, fmt.Errorf("oci runtime: start %q: %w", id, err)
	}
	c.init, c.cgroups, c.StartedAt = st.Init, st.Cgroups, st.StartedAt
	r.logger.Debug("container started", "id", id, "pid", st.Init.PID, "monitor_pid", pid)
	return c, nil
}

// readReady reads the monitor's one-line report, until the deadline or
// ctx ends.
func readReady(ctx context.Context, f *os.File, deadline time.Time) (string, error) {
	if err := f.SetReadDeadline(deadline); err != nil {
		return "", err
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 0, 512)
	chunk := make([]byte, 512)
	for len(buf) < 8192 {
		n, err := f.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := strings.IndexByte(string(buf), '\n'); i >= 0 {
			return string(buf[:i]), nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return "", fmt.Errorf("no report by %s", deadline.Format(time.RFC3339))
			}
			return string(buf), nil // EOF: whatever it wrote
		}
	}
	return "", fmt.Errorf("report longer than 8 KiB")
}

// abort ends a half-started container: kills the monitor, removes the
// container from the runtime and waits for the monitor.
func (c *Container) abort() {
	c.signalMonitor(unix.SIGKILL)
	ctx, cancel := c.rt.callCtx(context.Background())
	defer cancel()
	c.rt.client.Delete(ctx, c.id, &runc.DeleteOpts{Force: true})
	c.waitReaped()
	c.closeFD()
}

// waitReaped waits, bounded, for our child monitor to be reaped.
func (c *Container) waitReaped() {
	if c.reaped == nil {
		return
	}
	t := time.NewTimer(c.rt.cfg.CallTimeout)
	defer t.Stop()
	select {
	case <-c.reaped:
	case <-t.C:
		c.rt.logger.Warn("container monitor did not exit", "id", c.id, "pid", c.monitor.PID)
	}
}

func (c *Container) signalMonitor(sig unix.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.monitorFD >= 0 {
		unix.PidfdSendSignal(c.monitorFD, sig, nil, 0)
	}
}

func (c *Container) closeFD() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.monitorFD >= 0 {
		unix.Close(c.monitorFD)
		c.monitorFD = -1
	}
}

// Recover re-attaches to container id after a restart of this process,
// from its state directory: its monitor, if it still runs, and its exit
// status, if it has ended.
func (r *Runtime) Recover(id string) (*Container, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	dir := r.dir(id)
	var req request
	if err := readJSON(filepath.Join(dir, fileRequest), &req); err != nil {
		if isNotExist(err) {
			return nil, fmt.Errorf("oci runtime: recover %q: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("oci runtime: recover %q: %w", id, err)
	}
	c := &Container{rt: r, id: id, dir: dir, bundle: req.Bundle, monitorFD: -1}
	if err := readJSON(filepath.Join(dir, fileMonitorPID), &c.monitor); err != nil {
		return nil, fmt.Errorf("oci runtime: recover %q: the monitor's pid was never recorded: %w", id, err)
	}
	var st started
	if err := readJSON(filepath.Join(dir, fileStarted), &st); err != nil {
		return nil, fmt.Errorf("oci runtime: recover %q: the container was never started (delete it and start again): %w", id, err)
	}
	c.init, c.cgroups, c.StartedAt = st.Init, st.Cgroups, st.StartedAt
	if fd, err := unix.PidfdOpen(c.monitor.PID, 0); err == nil {
		// Checked after opening: the pidfd then pins the process.
		if c.monitor.alive() {
			c.monitorFD = fd
		} else {
			unix.Close(fd)
		}
	}
	return c, nil
}

// Wait waits for the container to exit and returns how it ended. When the
// monitor was killed before recording the exit, Wait waits for the init
// to be gone and returns an Exit whose Err is ErrMonitorLost's message.
func (c *Container) Wait(ctx context.Context) (*Exit, error) {
	if err := c.waitMonitor(ctx); err != nil {
		return nil, err
	}
	var e Exit
	err := readJSON(filepath.Join(c.dir, fileExit), &e)
	if err == nil {
		return &e, nil
	}
	if !isNotExist(err) {
		return nil, fmt.Errorf("oci runtime: wait %q: %w", c.id, err)
	}
	if err := waitGone(ctx, c.init); err != nil {
		return nil, err
	}
	return &Exit{Code: -1, Time: time.Now(), Err: ErrMonitorLost.Error()}, nil
}

// waitMonitor waits for the monitor to exit.
func (c *Container) waitMonitor(ctx context.Context) error {
	if c.reaped != nil {
		select {
		case <-c.reaped:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	fd := c.monitorFD
	c.mu.Unlock()
	if fd < 0 {
		return nil
	}
	return pollPidfd(ctx, fd)
}

// pollInterval is how often a wait on a process that is not our child
// looks at ctx; the exit itself wakes it at once.
const pollInterval = 100 * time.Millisecond

// pollPidfd waits until the process of pidfd fd exits or ctx ends.
func pollPidfd(ctx context.Context, fd int) error {
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(pollInterval/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll process: %w", err)
		}
		if n > 0 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// waitGone waits until p no longer exists.
func waitGone(ctx context.Context, p procID) error {
	fd, err := unix.PidfdOpen(p.PID, 0)
	if err != nil {
		return nil // already gone
	}
	defer unix.Close(fd)
	if !p.alive() {
		return nil
	}
	return pollPidfd(ctx, fd)
}

// Kill sends sig to the container's init.
func (c *Container) Kill(ctx context.Context, sig syscall.Signal) error {
	ctx, cancel := c.rt.callCtx(ctx)
	defer cancel()
	if err := c.rt.client.Kill(ctx, c.id, int(sig), nil); err != nil {
		if c.exited() {
			return fmt.Errorf("oci runtime: kill %q with %s: %w", c.id, sig, ErrNotRunning)
		}
		return fmt.Errorf("oci runtime: kill %q with %s: %w", c.id, sig, err)
	}
	return nil
}

// exited says the container's init is gone.
func (c *Container) exited() bool {
	if _, err := os.Stat(filepath.Join(c.dir, fileExit)); err == nil {
		return true
	}
	return !c.init.alive()
}

// Stop sends sig to the container, then SIGKILL if it has not exited
// after timeout, and waits for the exit.
func (c *Container) Stop(ctx context.Context, sig syscall.Signal, timeout time.Duration) (*Exit, error) {
	if err := c.Kill(ctx, sig); err != nil && !errors.Is(err, ErrNotRunning) {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	e, err := c.Wait(wctx)
	cancel()
	if err == nil {
		return e, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.rt.logger.Debug("container did not stop in time, killing", "id", c.id, "signal", sig.String(), "timeout", timeout)
	if err := c.Kill(ctx, syscall.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
		return nil, err
	}
	return c.Wait(ctx)
}

// Delete removes the container from the runtime and its state directory.
// Without force a running container is refused; with force it is killed.
func (c *Container) Delete(ctx context.Context, force bool) error {
	if !force && !c.exited() {
		return fmt.Errorf("oci runtime: delete %q: %w yet: stop it first or delete with force", c.id, errRunning)
	}
	cctx, cancel := c.rt.callCtx(ctx)
	err := c.rt.client.Delete(cctx, c.id, &runc.DeleteOpts{Force: force})
	cancel()
	if err != nil && c.rt.exists(ctx, c.id) {
		return fmt.Errorf("oci runtime: delete %q: %w", c.id, err)
	}
	// The monitor exits once the init has; a monitor that does not is
	// killed so no process is left behind.
	wctx, wcancel := c.rt.callCtx(ctx)
	if err := c.waitMonitor(wctx); err != nil {
		c.signalMonitor(unix.SIGKILL)
	}
	wcancel()
	c.waitReaped()
	c.closeFD()
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("oci runtime: delete %q: remove state dir: %w", c.id, err)
	}
	return nil
}

var errRunning = errors.New("container is running")

// exists says whether the runtime still knows container id.
func (r *Runtime) exists(ctx context.Context, id string) bool {
	ctx, cancel := r.callCtx(ctx)
	defer cancel()
	_, err := r.client.State(ctx, id)
	return err == nil
}

// State is a container's state.
type State struct {
	// Status is the runtime's: "created", "running", "paused",
	// "stopped", or "unknown" when the runtime no longer knows the
	// container.
	Status string
	// Pid is the init's host pid.
	Pid int
	// MonitorRunning says the monitor still runs.
	MonitorRunning bool
	// Exit is set once the container has exited.
	Exit *Exit
}

// State asks the runtime for the container's state.
func (c *Container) State(ctx context.Context) (*State, error) {
	s := &State{Status: "unknown", Pid: c.init.PID, MonitorRunning: c.monitor.alive()}
	var e Exit
	if err := readJSON(filepath.Join(c.dir, fileExit), &e); err == nil {
		s.Exit = &e
	} else if !isNotExist(err) {
		return nil, fmt.Errorf("oci runtime: state of %q: %w", c.id, err)
	}
	cctx, cancel := c.rt.callCtx(ctx)
	defer cancel()
	rs, err := c.rt.client.State(cctx, c.id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return s, nil
	}
	s.Status = rs.Status
	if s.Exit != nil {
		s.Status = "stopped"
	}
	return s, nil
}

// Stats reads the container's resource usage from its cgroup.
func (c *Container) Stats() (*Stats, error) {
	s, err := readStats(c.cgroups)
	if err != nil {
		return nil, fmt.Errorf("oci runtime: stats of %q: %w", c.id, err)
	}
	return s, nil
}
