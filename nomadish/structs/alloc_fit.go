package structs

// AllocsFit reports whether allocs, all meant to run on node at once, fit
// it: their CPU, cores, memory and disk within what the node offers less
// what it reserves, and no port claimed twice or claimed while the node
// reserves it, and no network's bandwidth (MBits) exceeded where the node
// advertises bandwidth. When they do not fit it names the exhausted
// dimension, as AllocMetric.DimensionExhausted does. Terminal allocations
// are ignored.
func AllocsFit(node *Node, allocs []*Allocation) (bool, string) {
	used, ports, bandwidth := sumAllocs(allocs)
	return fitWith(node, allocs, used, ports, bandwidth)
}

// fitWith is AllocsFit with allocs' sum and needs already known.
func fitWith(node *Node, allocs []*Allocation, used ComparableResources, ports, bandwidth bool) (bool, string) {
	if ok, dim := node.ComparableAvailable().Superset(used); !ok {
		return false, dim
	}
	if ports && !portsFit(node, allocs) {
		return false, DimensionNetwork
	}
	if bandwidth {
		bw := NewBandwidth(node)
		for _, a := range allocs {
			if !a.TerminalStatus() {
				bw.AddAlloc(a)
			}
		}
		if bw.Exceeded() {
			return false, DimensionBandwidth
		}
	}
	return true, ""
}

// sumAllocs sums what the live allocations among allocs hold, as
// AllocatedResources.Comparable would, and notes whether any holds ports
// or bandwidth, which need a closer look. The plan applier and the
// schedulers run this for every node they consider, and its cost is in
// reaching each allocation's resources in memory, so they are read once.
func sumAllocs(allocs []*Allocation) (used ComparableResources, ports, bandwidth bool) {
	for _, a := range allocs {
		r := a.AllocatedResources
		if r == nil || a.TerminalStatus() {
			continue
		}
		used.DiskMB += r.Shared.DiskMB
		ports = ports || len(r.Shared.Ports) > 0
		p, b := networkNeeds(r.Shared.Networks)
		ports, bandwidth = ports || p, bandwidth || b
		for _, t := range r.Tasks {
			if t == nil {
				continue
			}
			used.CPU += t.Cpu.CpuShares
			used.Cores += int64(len(t.Cpu.ReservedCores))
			used.MemoryMB += t.Memory.MemoryMB
			if len(t.Networks) > 0 {
				p, b := networkNeeds(t.Networks)
				ports, bandwidth = ports || p, bandwidth || b
			}
		}
	}
	return used, ports, bandwidth
}

// DimensionBandwidth names a node network whose bandwidth is used up.
const DimensionBandwidth = "network: bandwidth exceeded"

// Bandwidth tallies the MBits that allocations take from each of a node's
// networks against what that network offers. An allocation's network is
// counted on the node network with the same device, else the same IP,
// else the node's first network. A node that advertises no bandwidth on
// any network is not checked: Exceeded is always false.
type Bandwidth struct {
	nets []*NetworkResource
	used []int
}

// NewBandwidth starts an empty tally for node.
func NewBandwidth(node *Node) *Bandwidth {
	b := &Bandwidth{}
	if node == nil || node.NodeResources == nil {
		return b
	}
	offered := false
	for _, n := range node.NodeResources.Networks {
		if n != nil {
			b.nets = append(b.nets, n)
			offered = offered || n.MBits > 0
		}
	}
	if !offered {
		b.nets = nil
	}
	b.used = make([]int, len(b.nets))
	return b
}

// Checked reports whether the node advertises bandwidth to check.
func (b *Bandwidth) Checked() bool { return len(b.nets) > 0 }

// AddAlloc counts every network of a's resources, shared and per task.
func (b *Bandwidth) AddAlloc(a *Allocation) {
	if !b.Checked() || a == nil || a.AllocatedResources == nil {
		return
	}
	for _, n := range a.AllocatedResources.Shared.Networks {
		b.Add(n)
	}
	for _, t := range a.AllocatedResources.Tasks {
		if t != nil {
			for _, n := range t.Networks {
				b.Add(n)
			}
		}
	}
}

// Add counts one network an allocation uses.
func (b *Bandwidth) Add(n *NetworkResource) {
	if !b.Checked() || n == nil || n.MBits <= 0 {
		return
	}
	b.used[b.match(n)] += n.MBits
}

func (b *Bandwidth) match(n *NetworkResource) int {
	if n.Device != "" {
		for i, nn := range b.nets {
			if nn.Device == n.Device {
				return i
			}
		}
	}
	if n.IP != "" {
		for i, nn := range b.nets {
			if nn.IP == n.IP {
				return i
			}
		}
	}
	return 0
}

// Exceeded reports whether any network is asked for more than it offers.
func (b *Bandwidth) Exceeded() bool {
	for i, n := range b.nets {
		if b.used[i] > n.MBits {
			return true
		}
	}
	return false
}

// networkNeeds reports whether nets hold ports and whether they ask for
// bandwidth.
func networkNeeds(nets []*NetworkResource) (ports, mbits bool) {
	for _, n := range nets {
		if n == nil {
			continue
		}
		ports = ports || len(n.ReservedPorts)+len(n.DynamicPorts) > 0
		mbits = mbits || n.MBits > 0
	}
	return ports, mbits
}

// portsFit reports whether no port is claimed twice by live allocations
// or claimed while the node reserves it.
func portsFit(node *Node, allocs []*Allocation) bool {
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
	var list []int
	for _, a := range allocs {
		r := a.AllocatedResources
		if r == nil || a.TerminalStatus() {
			continue
		}
		list = list[:0]
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
		// A group's ports appear both as mappings and in its networks;
		// count each allocation's ports once.
		for i, p := range list {
			if p <= 0 || containsInt(list[:i], p) {
				continue
			}
			if ports[p] {
				return false
			}
			ports[p] = true
		}
	}
	return true
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
