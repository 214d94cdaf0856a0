package structs

import "sync"

// UsageCache remembers, for each node, what its live allocations hold, so
// that the schedulers and the plan applier, which look at the same nodes
// evaluation after evaluation, sum a node's allocations again only when
// they have changed. An entry is keyed by how many allocations the node
// has and the newest ModifyIndex among them: every write to an
// allocation sets its ModifyIndex to the write's (ever growing) Raft
// index, so a node's allocations in a later state are the same set, in
// the same versions, exactly when both numbers match. Entries therefore
// never go stale, and states of different ages can share the cache. It
// is safe for concurrent use.
type UsageCache struct {
	mu      sync.Mutex // guards entries
	entries map[string]usageEntry
}

// maxUsageEntries bounds the cache; past it, it starts again empty
// (nodes that left the cluster would otherwise stay forever).
const maxUsageEntries = 100_000

type usageEntry struct {
	count     int
	newest    uint64
	used      ComparableResources
	ports     bool
	bandwidth bool
}

// UsageView is a UsageCache as one state uses it. A state that was
// written to privately from index Diverged on (the plan applier's
// optimistic snapshot, which applies a plan before Raft has committed it)
// is off the cluster's history from there: a node whose newest
// allocation was written at or after Diverged is summed afresh and not
// remembered. The zero view sums every time.
type UsageView struct {
	Cache    *UsageCache
	Diverged uint64
}

// usage returns what the live allocations among allocs, all of one node's
// allocations in the view's state, hold and whether any holds ports or
// bandwidth.
func (v UsageView) usage(nodeID string, allocs []*Allocation) usageEntry {
	key := usageEntry{count: len(allocs)}
	for _, a := range allocs {
		key.newest = max(key.newest, a.ModifyIndex)
	}
	c := v.Cache
	if c == nil || v.Diverged != 0 && key.newest >= v.Diverged {
		key.used, key.ports, key.bandwidth = sumAllocs(allocs)
		return key
	}
	c.mu.Lock()
	e, ok := c.entries[nodeID]
	c.mu.Unlock()
	if ok && e.count == key.count && e.newest == key.newest {
		return e
	}
	key.used, key.ports, key.bandwidth = sumAllocs(allocs)
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxUsageEntries {
		c.entries = make(map[string]usageEntry)
	}
	c.entries[nodeID] = key
	c.mu.Unlock()
	return key
}

// Used is what the live allocations among allocs (all of the node's
// allocations in the view's state, terminal ones included) hold.
func (v UsageView) Used(nodeID string, allocs []*Allocation) ComparableResources {
	return v.usage(nodeID, allocs).used
}

// Fits is AllocsFit(node, live existing + placements) for a node whose
// allocations in the view's state are existing (terminal ones included),
// when none of them is stopped, preempted or updated by the placements:
// the sum of existing comes from the cache, and only when ports or
// bandwidth are involved are the allocations looked at one by one.
func (v UsageView) Fits(node *Node, existing, placements []*Allocation) (bool, string) {
	e := v.usage(node.ID, existing)
	used, ports, bandwidth := sumAllocs(placements)
	used.Add(e.used)
	if !(ports || bandwidth || e.ports || e.bandwidth) {
		return fitWith(node, nil, used, false, false)
	}
	all := make([]*Allocation, 0, len(existing)+len(placements))
	all = append(all, existing...)
	all = append(all, placements...)
	return fitWith(node, all, used, ports || e.ports, bandwidth || e.bandwidth)
}
