package oci

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
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

// StopTask sends signal (SIGTERM when empty) to the container's init,
// then SIGKILL after timeout, and returns once the task has exited.
func (d *Driver) StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("stop task %q: %w", taskID, err)
	}
	sig, err := signalSignum(signal, syscall.SIGTERM)
	if err != nil {
		return fmt.Errorf("stop task %q: kill_signal: %w", taskID, err)
	}
	if t.running() {
		if timeout <= 0 {
			sig = syscall.SIGKILL
		}
		if _, err := t.ctr.Stop(ctx, sig, timeout); err != nil && !errors.Is(err, ociruntime.ErrNotRunning) {
			return fmt.Errorf("stop task %q: %w", taskID, err)
		}
	}
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DestroyTask deletes the container, its network and writable layer, and
// releases its image. A running task is refused unless force is set.
func (d *Driver) DestroyTask(ctx context.Context, taskID string, force bool) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("destroy task %q: %w", taskID, err)
	}
	if t.running() {
		if !force {
			return fmt.Errorf("destroy task %q: %w", taskID, plugin.ErrTaskRunning)
		}
		if err := t.ctr.Kill(ctx, syscall.SIGKILL); err != nil && !errors.Is(err, ociruntime.ErrNotRunning) {
			return fmt.Errorf("destroy task %q: %w", taskID, err)
		}
		select {
		case <-t.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := t.ctr.Delete(ctx, true); err != nil {
		return fmt.Errorf("destroy task %q: %w", taskID, err)
	}
	d.tasks.Delete(taskID)
	t.destroy.Do(func() {
		close(t.destroyed)
		d.cleanup(ctx, t.state)
	})
	return nil
}

// SignalTask sends a signal to the container's init.
func (d *Driver) SignalTask(ctx context.Context, taskID string, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	sig, err := parseSignal(signal)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	if !t.running() {
		return fmt.Errorf("signal task %q: task has exited", taskID)
	}
	if err := t.ctr.Kill(ctx, sig); err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	return nil
}

// parseSignal takes "SIGUSR1", "USR1" or "10".
func parseSignal(name string) (syscall.Signal, error) {
	s := strings.ToUpper(strings.TrimSpace(name))
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("signal %q: want a name such as SIGTERM or a number from 1 to 64", name)
		}
		return syscall.Signal(n), nil
	}
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	if n := unix.SignalNum(s); n != 0 {
		return n, nil
	}
	return 0, fmt.Errorf("signal %q: unknown; want a name such as SIGTERM, SIGINT, SIGHUP or SIGUSR1", name)
}
