package oci

import (
	"context"
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

// clockTicks is USER_HZ, the unit of the CPU tick figures.
const clockTicks = 100

// TaskStats sends the container's cgroup usage every interval: CPU as a
// percentage of one core since the previous sample and as user/system
// ticks, memory usage, RSS and peak. A sample the cgroup cannot give (the
// container has exited) carries only its timestamp.
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
		var lastCPU uint64
		var lastAt time.Time
		for {
			now := time.Now()
			u := &plugin.TaskResourceUsage{Timestamp: now}
			if s, err := t.ctr.Stats(); err == nil {
				u.MemoryUsageBytes = s.MemoryUsage
				u.MemoryRSSBytes = s.MemoryRSS
				u.MemoryMaxUsageBytes = s.MemoryMaxUsage
				u.CPUUserTicks = float64(s.CPUUserNanos) * clockTicks / 1e9
				u.CPUSystemTicks = float64(s.CPUSystemNanos) * clockTicks / 1e9
				if !lastAt.IsZero() && s.CPUTotalNanos >= lastCPU {
					if el := now.Sub(lastAt); el > 0 {
						u.CPUPercent = float64(s.CPUTotalNanos-lastCPU) / float64(el.Nanoseconds()) * 100
					}
				}
				lastCPU, lastAt = s.CPUTotalNanos, now
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
