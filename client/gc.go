package client

import (
	"fmt"
	"sort"
)

// gcLoop collects terminal allocations every GCInterval, and as soon as
// new allocations arrive (to make room for them), until shutdown.
func (c *Client) gcLoop() {
	for {
		tick, stop := c.clock.NewTimer(c.cfg.GCInterval)
		select {
		case <-c.ctx.Done():
			stop()
			return
		case <-c.gcKick:
			stop()
		case <-tick:
		}
		c.collect()
	}
}

// collect destroys terminal allocations, those whose tasks have all
// finished, oldest first: while the client holds more than GCMaxAllocs
// allocations, and then while the file system of the data dir (which holds
// the allocation directories) is used above GCDiskUsageThreshold percent.
// A collected allocation's runner, directory and local state are gone; its
// entry stays until the servers forget it, so it is not run again.
func (c *Client) collect() {
	c.gcMu.Lock()
	defer c.gcMu.Unlock()
	c.mu.Lock()
	live := 0
	var done []*allocEntry
	for _, e := range c.allocs {
		if e.collected {
			continue
		}
		live++
		if !e.doneAt.IsZero() {
			done = append(done, e)
		}
	}
	sort.Slice(done, func(i, j int) bool {
		if !done[i].doneAt.Equal(done[j].doneAt) {
			return done[i].doneAt.Before(done[j].doneAt)
		}
		return done[i].id < done[j].id
	})
	c.mu.Unlock()

	for live > c.cfg.GCMaxAllocs && len(done) > 0 {
		c.destroy(done[0], fmt.Sprintf("garbage collection: the client holds %d allocations, more than gc_max_allocs %d", live, c.cfg.GCMaxAllocs))
		done, live = done[1:], live-1
	}
	for len(done) > 0 && c.ctx.Err() == nil {
		used, err := c.diskUsage(c.allocRoot)
		if err != nil {
			c.logger.Warn("cannot measure disk usage for garbage collection", "path", c.allocRoot, "error", err)
			return
		}
		if used <= c.cfg.GCDiskUsageThreshold {
			return
		}
		// Wait for the destruction to free its space before measuring
		// again, so that one pass does not destroy everything.
		<-c.destroy(done[0], fmt.Sprintf("garbage collection: disk usage %.1f%% is above gc_disk_usage_threshold %.1f%%", used, c.cfg.GCDiskUsageThreshold))
		done = done[1:]
	}
}
