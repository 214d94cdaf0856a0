package structs

// AllocsFit reports whether allocs, all meant to run on node at once, fit
// it: their CPU, cores, memory and disk within what the node offers less
// what it reserves, and no port claimed twice or claimed while the node
// reserves it. When they do not fit it names the exhausted dimension, as
// AllocMetric.DimensionExhausted does. Terminal allocations are ignored.
func AllocsFit(node *Node, allocs []*Allocation) (bool, string) {
	var used ComparableResources
	for _, a := range allocs {
		if a.TerminalStatus() {
			continue
		}
		used.Add(a.AllocatedResources.Comparable())
	}
	if ok, dim := node.ComparableAvailable().Superset(used); !ok {
		return false, dim
	}
	ports := map[int]bool{}
	if rr := node.ReservedResources; rr != nil && rr.Networks.ReservedHostPorts != "" {
		// The client validates its reserved list when it registers; an
		// unparseable one reserves nothing here, as in the scheduler.
		if reserved, err := ParsePortRanges(rr.Networks.ReservedHostPorts); err == nil {
			for _, p := range reserved {
				ports[p] = true
			}
		}
	}
	claim := func(p int) bool {
		if p <= 0 {
			return true
		}
		if ports[p] {
			return false
		}
		ports[p] = true
		return true
	}
	for _, a := range allocs {
		r := a.AllocatedResources
		if r == nil || a.TerminalStatus() {
			continue
		}
		// A group's ports appear both as mappings and in its networks;
		// count each allocation's ports once.
		own := map[int]bool{}
		var list []int
		for _, p := range r.Shared.Ports {
			list = append(list, p.Value)
		}
		collect := func(n *NetworkResource) {
			if n == nil {
				return
			}
			for _, p := range n.ReservedPorts {
				list = append(list, p.Value)
			}
			for _, p := range n.DynamicPorts {
				list = append(list, p.Value)
			}
		}
		for _, n := range r.Shared.Networks {
			collect(n)
		}
		for _, t := range r.Tasks {
			if t != nil {
				for _, n := range t.Networks {
					collect(n)
				}
			}
		}
		for _, p := range list {
			if own[p] || p <= 0 {
				continue
			}
			own[p] = true
			if !claim(p) {
				return false, DimensionNetwork
			}
		}
	}
	return true, ""
}
