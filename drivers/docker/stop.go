package docker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"golang.org/x/sys/unix"

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

// StopTask sends signal (SIGTERM when empty) to the container, then
// SIGKILL after timeout, and returns once the task has exited.
func (d *Driver) StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("stop task %q: %w", taskID, err)
	}
	if signal == "" {
		signal = "SIGTERM"
	}
	sig, err := parseSignal(signal)
	if err != nil {
		return fmt.Errorf("stop task %q: kill_signal: %w", taskID, err)
	}
	if t.running() && timeout > 0 {
		if err := d.kill(ctx, t, sig); err != nil {
			return fmt.Errorf("stop task %q: %w", taskID, err)
		}
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		select {
		case <-t.done:
			return nil
		case <-tm.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if t.running() {
		if err := d.kill(ctx, t, "SIGKILL"); err != nil {
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

// kill sends sig; a container that has just stopped is not an error.
func (d *Driver) kill(ctx context.Context, t *task, sig string) error {
	_, err := t.c.ContainerKill(ctx, t.state.ContainerID, client.ContainerKillOptions{Signal: sig})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) && t.running() {
		return fmt.Errorf("signal %s to container %s: %w", sig, shortID(t.state.ContainerID), err)
	}
	return nil
}

// DestroyTask removes the container and releases its image. A running task
// is refused unless force is set.
func (d *Driver) DestroyTask(ctx context.Context, taskID string, force bool) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("destroy task %q: %w", taskID, err)
	}
	if t.running() && !force {
		return fmt.Errorf("destroy task %q: %w", taskID, plugin.ErrTaskRunning)
	}
	if _, err := t.c.ContainerRemove(ctx, t.state.ContainerID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("destroy task %q: remove container %s: %w", taskID, shortID(t.state.ContainerID), err)
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	d.tasks.Delete(taskID)
	t.destroy.Do(func() {
		close(t.destroyed)
		if t.logs != nil {
			t.logs.stop()
		}
		if t.state.ImageID != "" {
			d.images.release(t.state.ImageID)
		}
	})
	return nil
}

// SignalTask sends a signal to the container's main process.
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
	if _, err := t.c.ContainerKill(ctx, t.state.ContainerID, client.ContainerKillOptions{Signal: sig}); err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	return nil
}

// parseSignal takes "SIGUSR1", "USR1" or "10" and returns the name the
// engine takes ("SIGUSR1", or the number).
func parseSignal(name string) (string, error) {
	s := strings.ToUpper(strings.TrimSpace(name))
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return "", fmt.Errorf("signal %q: want a name such as SIGTERM or a number from 1 to 64", name)
		}
		return s, nil
	}
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	if unix.SignalNum(s) != 0 {
		return s, nil
	}
	return "", fmt.Errorf("signal %q: unknown; want a name such as SIGTERM, SIGINT, SIGHUP or SIGUSR1", name)
}
