package client

import (
	"github.com/nomadish/nomadish/client/hoststats"
)

// HostStats is a snapshot of the machine: memory, the busy share of each
// CPU core since the previous call (since boot on the first), the file
// systems of real devices and the one holding the allocation directory.
func (c *Client) HostStats() (*hoststats.HostStats, error) {
	return c.hostCollector().Collect()
}

// hostCollector returns the client's collector, making it the first time.
// Its compute figure, for CPUTicksConsumed, is the node's as fingerprinted
// then.
func (c *Client) hostCollector() *hoststats.Collector {
	c.hostStatsOnce.Do(func() {
		var mhz float64
		if n := c.Node(); n != nil && n.NodeResources != nil {
			mhz = float64(n.NodeResources.Cpu.CpuShares)
		}
		c.hostStats = hoststats.NewCollector(hoststats.Config{
			AllocDir:        c.allocRoot,
			TotalComputeMHz: mhz,
			Now:             c.clock.Now,
		})
	})
	return c.hostStats
}
