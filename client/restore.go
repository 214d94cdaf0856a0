package client

import "sort"

// restoreAllocs starts a runner for every allocation in the local state,
// before the node registers: Restore reads each task's state and driver
// handle, so Run re-attaches to the tasks that kept running while the
// agent was away instead of starting them again. An allocation that cannot
// be read is logged and left for the servers' view to settle: if they
// still want it, it is started afresh.
func (c *Client) restoreAllocs() {
	allocs, bad, err := c.db.GetAllocations()
	if err != nil {
		c.logger.Error("cannot read the allocations in the local state; none restored", "error", err)
		return
	}
	for id, err := range bad {
		c.logger.Error("cannot restore an allocation from the local state", "alloc_id", id, "error", err)
	}
	sort.Slice(allocs, func(i, j int) bool { return allocs[i].ID < allocs[j].ID })
	for _, a := range allocs {
		ar, err := c.newRunner(c.runnerConfig(a))
		if err != nil {
			c.logger.Error("cannot restore an allocation's runner", "alloc_id", a.ID, "error", err)
			continue
		}
		if err := ar.Restore(); err != nil {
			// The runner starts what it could not recover; the
			// servers' view decides whether the allocation stays.
			c.logger.Error("restoring an allocation's tasks failed in part", "alloc_id", a.ID, "error", err)
		}
		c.logger.Info("restored allocation", "alloc_id", a.ID)
		c.startRunner(a, ar)
	}
}
