package wasm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func (d *Driver) InspectTask(_ context.Context, taskID string) (*plugin.TaskStatus, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("inspect task %q: %w", taskID, err)
	}
	return t.status(), nil
}

// RecoverTask re-attaches to a task this plugin process still runs. A task
// started by an earlier plugin process died with it.
func (d *Driver) RecoverTask(_ context.Context, h *plugin.TaskHandle) error {
	if h == nil || h.Config == nil {
		return errors.New("recover task: the handle has no task config")
	}
	if h.Version != handleVersion {
		return fmt.Errorf("recover task %q: handle version %d, want %d", h.Config.ID, h.Version, handleVersion)
	}
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		return fmt.Errorf("recover task %q: %w", h.Config.ID, err)
	}
	if _, err := d.tasks.Get(h.Config.ID); err != nil {
		return fmt.Errorf("recover task %q: wasm tasks live in the plugin process, and this one (%s) did not start it (%s started it): %w",
			h.Config.ID, d.instance, st.Instance, plugin.ErrTaskNotFound)
	}
	d.logger.Debug("task recovered", "task_id", h.Config.ID)
	return nil
}

// TaskStats sends the module's linear memory every interval: its size as
// usage, the pages of it in RAM as RSS. CPU figures are zero: see
// cpuNotMeasured.
func (d *Driver) TaskStats(ctx context.Context, taskID string, interval time.Duration) (<-chan *plugin.TaskResourceUsage, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("task stats %q: %w", taskID, err)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("task stats %q: interval must be positive; got %s", taskID, interval)
	}
	ch := make(chan *plugin.TaskResourceUsage)
	go func() {
		defer close(ch)
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			u := &plugin.TaskResourceUsage{
				Timestamp:           time.Now(),
				MemoryRSSBytes:      t.mem.resident(),
				MemoryUsageBytes:    t.mem.size.Load(),
				MemoryMaxUsageBytes: t.mem.peak.Load(),
			}
			select {
			case ch <- u:
			case <-ctx.Done():
				return
			case <-t.destroyed:
				return
			}
			select {
			case <-tk.C:
			case <-ctx.Done():
				return
			case <-t.destroyed:
				return
			}
		}
	}()
	return ch, nil
}
