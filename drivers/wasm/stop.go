package wasm

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func (d *Driver) WaitTask(ctx context.Context, taskID string) (*plugin.ExitResult, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("wait task %q: %w", taskID, err)
	}
	select {
	case <-t.done:
		return t.status().ExitResult, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// StopTask closes the module's stdin (whatever the signal: WASI has no
// signals), waits up to timeout for it to exit and then kills it.
func (d *Driver) StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("stop task %q: %w", taskID, err)
	}
	if signal == "SIGKILL" || timeout <= 0 {
		t.kill()
	} else {
		t.stop()
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		select {
		case <-t.done:
			return nil
		case <-tm.C:
			d.logger.Debug("task did not exit after its stdin closed, killing", "task_id", taskID, "timeout", timeout)
			d.emit(t, fmt.Sprintf("module still running %s after its stdin was closed, killed", timeout), nil)
			t.kill()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Driver) DestroyTask(ctx context.Context, taskID string, force bool) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("destroy task %q: %w", taskID, err)
	}
	if t.running() {
		if !force {
			return fmt.Errorf("destroy task %q: %w", taskID, plugin.ErrTaskRunning)
		}
		t.kill()
		select {
		case <-t.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.tasks.Delete(taskID)
	t.destroyOnce.Do(func() { close(t.destroyed) })
	return nil
}

// SignalTask maps the signals WASI can express: SIGKILL kills the module,
// SIGTERM, SIGINT and SIGQUIT close its stdin (the driver's graceful
// stop). Any other signal is plugin.ErrNotSupported.
func (d *Driver) SignalTask(_ context.Context, taskID string, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	if !t.running() {
		return fmt.Errorf("signal task %q: task has exited", taskID)
	}
	switch strings.ToUpper(signal) {
	case "SIGKILL", "KILL", fmt.Sprint(int(syscall.SIGKILL)):
		t.kill()
	case "SIGTERM", "TERM", "SIGINT", "INT", "SIGQUIT", "QUIT", "":
		t.stop()
	default:
		return fmt.Errorf("signal task %q: a wasm module cannot receive %s; SIGTERM, SIGINT and SIGQUIT close its stdin and SIGKILL kills it: %w",
			taskID, signal, plugin.ErrNotSupported)
	}
	return nil
}

// ExecTask is not supported: a module is one instance, with nothing to
// exec into.
func (d *Driver) ExecTask(_ context.Context, taskID string, _ []string, _ plugin.ExecStdio) (*plugin.ExitResult, error) {
	if _, err := d.tasks.Get(taskID); err != nil {
		return nil, fmt.Errorf("exec in task %q: %w", taskID, err)
	}
	return nil, fmt.Errorf("exec in task %q: %w", taskID, plugin.ErrNotSupported)
}
