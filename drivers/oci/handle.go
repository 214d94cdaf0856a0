package oci

import (
	"context"
	"errors"
	"fmt"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// RecoverTask re-attaches to a container after a restart of the client or
// of the plugin: the container runs under its monitor, and its state dir
// under data_dir says how to find it. The image is acquired again so GC
// keeps it while the task lives.
func (d *Driver) RecoverTask(_ context.Context, h *plugin.TaskHandle) error {
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
	if st.ContainerID == "" || st.ContainerID != containerID(id) {
		return fmt.Errorf("recover task %q: the handle names container %q, want %q", id, st.ContainerID, containerID(id))
	}
	_, store, err := d.configured()
	if err != nil {
		return fmt.Errorf("recover task %q: %w", id, err)
	}
	rt, err := d.runtime(st.Runtime)
	if err != nil {
		return fmt.Errorf("recover task %q: runtime %q: %w", id, st.Runtime, err)
	}
	ctr, err := rt.Recover(st.ContainerID)
	if errors.Is(err, ociruntime.ErrNotFound) {
		return fmt.Errorf("recover task %q: container %s: %w", id, st.ContainerID, plugin.ErrTaskNotFound)
	}
	if err != nil {
		return fmt.Errorf("recover task %q: %w", id, err)
	}
	if st.ImageID != "" {
		if _, err := store.Acquire(st.ImageID); err != nil {
			// The container runs from its mounted layer all the same; only
			// GC protection is lost. Say so and go on.
			d.logger.Warn("image of a recovered task is gone from the store", "task_id", id, "image", st.ImageID, "error", err)
			st.ImageID = ""
		}
	}
	t := newTask(h.Config, st, rt, ctr)
	if err := d.tasks.Add(id, t); err != nil {
		if st.ImageID != "" {
			store.Release(st.ImageID)
		}
		return nil // recovered concurrently by another call
	}
	go t.watch(d.emit)
	d.logger.Debug("task recovered", "task_id", id, "container_id", st.ContainerID)
	return nil
}
