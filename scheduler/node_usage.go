package scheduler

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodeUsage is what one node has given out, as this plan would leave it:
// the node's non-terminal allocations in state, less those the plan stops
// or preempts, plus those it places. It is built the first time a
// placement looks at the node and kept current as the plan grows, so a
// placement costs a few additions rather than a scan of the node.
type nodeUsage struct {
	node   *structs.Node
	avail  structs.ComparableResources
	used   structs.ComparableResources
	allocs []*structs.Allocation

	// ports is nil until a placement asks for ports; then it holds the
	// node's reserved ports and every port its allocations hold.
	ports *portSet
}

// UsageCacheState is an optional ability of a State: a cache of what
// each node's allocations hold, shared by every evaluation on the
// server's states (the server's state store has one).
type UsageCacheState interface {
	UsageCache() structs.UsageView
}

// nodeUsage returns the node's usage, building it on first use.
func (c *evalContext) nodeUsage(n *structs.Node) (*nodeUsage, error) {
	if u, ok := c.usage[n.ID]; ok {
		return u, nil
	}
	existing, err := c.state.AllocsByNode(nil, n.ID)
	if err != nil {
		return nil, fmt.Errorf("allocations of node %q: %w", n.ID, err)
	}
	u := &nodeUsage{node: n, avail: n.ComparableAvailable()}
	removed := c.plan.NodeUpdate[n.ID]
	preempted := c.plan.NodePreemptions[n.ID]
	proposed := c.plan.NodeAllocation[n.ID]
	if cache, ok := c.state.(UsageCacheState); ok && len(removed)+len(preempted)+len(proposed) == 0 {
		// The plan has not touched the node yet: what its allocations
		// hold is the same as in the last evaluation that looked at it,
		// unless they changed since.
		u.used = cache.UsageCache().Used(n.ID, existing)
		u.allocs = make([]*structs.Allocation, 0, len(existing))
		for _, a := range existing {
			if !a.TerminalStatus() {
				u.allocs = append(u.allocs, a)
			}
		}
		c.usage[n.ID] = u
		return u, nil
	}
	for _, a := range existing {
		if a.TerminalStatus() || containsAlloc(removed, a.ID) || containsAlloc(preempted, a.ID) || containsAlloc(proposed, a.ID) {
			continue
		}
		u.add(a)
	}
	for _, a := range proposed {
		if !a.TerminalStatus() {
			u.add(a)
		}
	}
	c.usage[n.ID] = u
	return u, nil
}

func containsAlloc(list []*structs.Allocation, id string) bool {
	for _, a := range list {
		if a.ID == id {
			return true
		}
	}
	return false
}

// add counts an allocation on the node.
func (u *nodeUsage) add(a *structs.Allocation) {
	u.allocs = append(u.allocs, a)
	u.used.Add(a.AllocatedResources.Comparable())
	if u.ports != nil {
		markAllocPorts(u.ports, a)
	}
}

// remove forgets an allocation, when the plan stops or preempts it.
func (u *nodeUsage) remove(id string) {
	for i, a := range u.allocs {
		if a.ID != id {
			continue
		}
		u.used.Subtract(a.AllocatedResources.Comparable())
		u.allocs = append(u.allocs[:i:i], u.allocs[i+1:]...)
		u.ports = nil // rebuilt on next use; node-reserved ports must stay set
		return
	}
}

// free is what remains for a new allocation.
func (u *nodeUsage) free() structs.ComparableResources {
	f := u.avail
	f.Subtract(u.used)
	return f
}

// usedPorts returns the ports in use on the node, building the set on
// first use.
func (c *evalContext) usedPorts(u *nodeUsage) *portSet {
	if u.ports == nil {
		u.ports = c.buildPortSet(u.node, u.allocs, nil)
	}
	return u.ports
}

// buildPortSet collects the node's reserved ports and those of allocs,
// skipping allocations in skip. An unparseable reserved-port list is
// ignored rather than failing every placement: the client validates it
// when it registers.
func (c *evalContext) buildPortSet(n *structs.Node, allocs []*structs.Allocation, skip map[string]bool) *portSet {
	b := &portSet{}
	if rr := n.ReservedResources; rr != nil && rr.Networks.ReservedHostPorts != "" {
		for _, p := range c.reservedPorts(rr.Networks.ReservedHostPorts) {
			b.add(p)
		}
	}
	if nr := n.NodeResources; nr != nil {
		for _, net := range nr.Networks {
			markNetworkPorts(b, net)
		}
	}
	for _, a := range allocs {
		if !skip[a.ID] {
			markAllocPorts(b, a)
		}
	}
	return b
}

// reservedPorts parses a node's reserved-port list once per evaluation.
func (c *evalContext) reservedPorts(spec string) []int {
	if ports, ok := c.parsedPorts[spec]; ok {
		return ports
	}
	ports, err := structs.ParsePortRanges(spec)
	if err != nil {
		ports = nil
	}
	c.parsedPorts[spec] = ports
	return ports
}

func markAllocPorts(b *portSet, a *structs.Allocation) {
	r := a.AllocatedResources
	if r == nil {
		return
	}
	for _, p := range r.Shared.Ports {
		b.add(p.Value)
	}
	for _, net := range r.Shared.Networks {
		markNetworkPorts(b, net)
	}
	for _, t := range r.Tasks {
		if t == nil {
			continue
		}
		for _, net := range t.Networks {
			markNetworkPorts(b, net)
		}
	}
}

func markNetworkPorts(b *portSet, net *structs.NetworkResource) {
	if net == nil {
		return
	}
	for _, p := range net.ReservedPorts {
		b.add(p.Value)
	}
	for _, p := range net.DynamicPorts {
		b.add(p.Value)
	}
}

// appendPlacement adds a new allocation on n to the plan, to the usage of
// n and to the property counts.
func (c *evalContext) appendPlacement(a *structs.Allocation, n *structs.Node) {
	c.plan.AppendAlloc(a)
	if u, ok := c.usage[a.NodeID]; ok {
		u.add(a)
	}
	c.notePlacement(a, n)
}

// appendUpdate adds an in-place update of an existing allocation, which
// keeps its node and resources, to the plan.
func (c *evalContext) appendUpdate(a *structs.Allocation) {
	c.plan.AppendAlloc(a)
	if u, ok := c.usage[a.NodeID]; ok {
		u.remove(a.ID)
		u.add(a)
	}
}

// appendStop adds a stop of an existing allocation to the plan. It copies
// the allocation shallowly, never through msgpack: the copy shares only
// fields the plan applier does not change.
func (c *evalContext) appendStop(a *structs.Allocation, desc, clientStatus string) {
	s := stoppedCopy(a, structs.AllocDesiredStatusStop, desc, clientStatus)
	if c.plan.NodeUpdate == nil {
		c.plan.NodeUpdate = map[string][]*structs.Allocation{}
	}
	c.plan.NodeUpdate[a.NodeID] = append(c.plan.NodeUpdate[a.NodeID], s)
	if u, ok := c.usage[a.NodeID]; ok {
		u.remove(a.ID)
	}
}

// appendPreemption adds an eviction of a to make room for the allocation
// with ID by.
func (c *evalContext) appendPreemption(a *structs.Allocation, by string) {
	s := stoppedCopy(a, structs.AllocDesiredStatusEvict, "Preempted by alloc ID "+by, "")
	s.PreemptedByAllocation = by
	if c.plan.NodePreemptions == nil {
		c.plan.NodePreemptions = map[string][]*structs.Allocation{}
	}
	c.plan.NodePreemptions[a.NodeID] = append(c.plan.NodePreemptions[a.NodeID], s)
	c.evicted[a.ID] = true
	if u, ok := c.usage[a.NodeID]; ok {
		u.remove(a.ID)
	}
}

func stoppedCopy(a *structs.Allocation, status, desc, clientStatus string) *structs.Allocation {
	s := *a
	s.Job = nil
	s.DesiredStatus = status
	s.DesiredDescription = desc
	if clientStatus != "" {
		s.ClientStatus = clientStatus
	}
	return &s
}

// undoStop takes a stop of a back out of the plan.
func (c *evalContext) undoStop(a *structs.Allocation) {
	if a == nil {
		return
	}
	list := c.plan.NodeUpdate[a.NodeID]
	for i, s := range list {
		if s.ID != a.ID {
			continue
		}
		c.plan.NodeUpdate[a.NodeID] = append(list[:i:i], list[i+1:]...)
		if len(c.plan.NodeUpdate[a.NodeID]) == 0 {
			delete(c.plan.NodeUpdate, a.NodeID)
		}
		if u, ok := c.usage[a.NodeID]; ok {
			u.add(a)
		}
		return
	}
}
