package docker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// RecoverTask re-attaches to a task's container by the ID in its handle,
// after a restart of the client or of the plugin: the engine kept it
// running. The watcher starts again, and so does the log streamer, from
// where the previous one stopped; for a container that exited meanwhile,
// the streamer copies the rest of its output before the exit is reported.
// A container the engine no longer has is ErrTaskNotFound, so the client
// reports the task lost.
func (d *Driver) RecoverTask(ctx context.Context, h *plugin.TaskHandle) error {
	if h == nil || h.Config == nil {
		return errors.New("recover task: the handle has no task config")
	}
	id := h.Config.ID
	if _, err := d.tasks.Get(id); err == nil {
		return nil // this process already holds it (a client restart)
	}
	if h.Version != handleVersion {
		return fmt.Errorf("recover task %q: handle version %d, want %d", id, h.Version, handleVersion)
	}
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		return fmt.Errorf("recover task %q: %w", id, err)
	}
	if st.ContainerID == "" {
		return fmt.Errorf("recover task %q: the handle names no container", id)
	}
	_, c, err := d.configured()
	if err != nil {
		return fmt.Errorf("recover task %q: %w", id, err)
	}
	ins, err := c.ContainerInspect(ctx, st.ContainerID, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("recover task %q: container %s: %w", id, shortID(st.ContainerID), plugin.ErrTaskNotFound)
	}
	if err != nil {
		return fmt.Errorf("recover task %q: the Docker engine: %w", id, err)
	}
	if ins.Container.Config == nil || ins.Container.Config.Labels[LabelTaskID] != id {
		return fmt.Errorf("recover task %q: container %s is not this task's: %w", id, shortID(st.ContainerID), plugin.ErrTaskNotFound)
	}
	// Also for a container that exited while the plugin was down: the
	// streamer copies what it wrote since the last position (all of it
	// when unknown) and ends, and the watcher waits for that before it
	// reports the exit.
	logs := startLogs(c, st.ContainerID, h.Config, readSince(h.Config), d.logger)
	t := newTask(h.Config, st, c, logs, d.retryPolicy())
	if err := d.tasks.Add(id, t); err != nil {
		logs.stop()
		return nil // recovered concurrently by another call
	}
	if st.ImageID != "" {
		d.images.acquire(st.ImageID)
	}
	d.noteOwner(ownerOf(h.Config))
	go t.watch(d.emit)
	d.logger.Debug("task recovered", "task_id", id, "container_id", st.ContainerID)
	return nil
}
