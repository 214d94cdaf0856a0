package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

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

// TaskStats follows the engine's stats stream (a sample about every
// second) and sends the newest sample every interval: CPU as the engine
// computes it (share of the machine times its CPUs, in percent), user and
// system ticks, memory usage, RSS and peak. Until the engine's first
// sample, and after the container exits, a sample carries only its
// timestamp.
func (d *Driver) TaskStats(ctx context.Context, taskID string, interval time.Duration) (<-chan *plugin.TaskResourceUsage, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("task stats %q: %w", taskID, err)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("task stats %q: interval must be positive; got %s", taskID, interval)
	}
	sctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex // guards latest
	var latest *plugin.TaskResourceUsage
	go func() {
		res, err := t.c.ContainerStats(sctx, t.state.ContainerID, client.ContainerStatsOptions{Stream: true})
		if err != nil {
			return
		}
		defer res.Body.Close()
		dec := json.NewDecoder(res.Body)
		for {
			var s container.StatsResponse
			if err := dec.Decode(&s); err != nil {
				return
			}
			u := usage(&s)
			mu.Lock()
			latest = u
			mu.Unlock()
		}
	}()
	ch := make(chan *plugin.TaskResourceUsage)
	go func() {
		defer close(ch)
		defer cancel()
		tk := time.NewTicker(interval)
		defer tk.Stop()
		var last time.Time
		for {
			u := &plugin.TaskResourceUsage{}
			mu.Lock()
			if latest != nil {
				*u = *latest
			}
			mu.Unlock()
			u.Timestamp = time.Now()
			if !u.Timestamp.After(last) {
				u.Timestamp = last.Add(time.Nanosecond)
			}
			last = u.Timestamp
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

// usage turns one engine sample into the driver protocol's figures.
func usage(s *container.StatsResponse) *plugin.TaskResourceUsage {
	u := &plugin.TaskResourceUsage{
		MemoryUsageBytes:    s.MemoryStats.Usage,
		MemoryMaxUsageBytes: s.MemoryStats.MaxUsage,
		CPUUserTicks:        float64(s.CPUStats.CPUUsage.UsageInUsermode) * clockTicks / 1e9,
		CPUSystemTicks:      float64(s.CPUStats.CPUUsage.UsageInKernelmode) * clockTicks / 1e9,
	}
	// cgroup v2 reports anon, v1 rss.
	if v, ok := s.MemoryStats.Stats["rss"]; ok {
		u.MemoryRSSBytes = v
	} else {
		u.MemoryRSSBytes = s.MemoryStats.Stats["anon"]
	}
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	if cpuDelta > 0 && sysDelta > 0 {
		cpus := float64(s.CPUStats.OnlineCPUs)
		if cpus == 0 {
			cpus = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
		}
		u.CPUPercent = cpuDelta / sysDelta * cpus * 100
	}
	return u
}
