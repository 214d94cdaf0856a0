package scheduler

import (
	"strconv"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// maxRandomPortTries is how many random dynamic ports are tried before a
// linear scan of the range.
const maxRandomPortTries = 20

// portAssigner hands out the ports of one placement on one node. It reads
// the node's used ports and remembers the ones it has given, so two
// labels of one group never get the same port. All ports of a node share
// one space, whatever host network they are on.
type portAssigner struct {
	ctx   *evalContext
	used  *portSet
	given []int
	ip    string
}

func newPortAssigner(ctx *evalContext, n *structs.Node, used *portSet) *portAssigner {
	return &portAssigner{ctx: ctx, used: used, ip: nodeIP(n)}
}

// nodeIP is the address ports are reached on: the node's first network
// with an address, else its fingerprinted IP attribute.
func nodeIP(n *structs.Node) string {
	if n.NodeResources != nil {
		for _, net := range n.NodeResources.Networks {
			if net != nil && net.IP != "" {
				return net.IP
			}
		}
	}
	return n.Attributes["unique.network.ip-address"]
}

func (p *portAssigner) taken(port int) bool {
	if p.used.has(port) {
		return true
	}
	for _, g := range p.given {
		if g == port {
			return true
		}
	}
	return false
}

// assign returns the network ask with ports filled in, or the reason it
// cannot be: a static port already in use or no free dynamic port.
func (p *portAssigner) assign(ask *structs.NetworkResource) (*structs.NetworkResource, []structs.AllocatedPortMapping, string) {
	out := &structs.NetworkResource{Mode: ask.Mode, Device: ask.Device, IP: p.ip, MBits: ask.MBits, DNS: ask.DNS, Hostname: ask.Hostname}
	var mappings []structs.AllocatedPortMapping
	for _, port := range ask.ReservedPorts {
		if port.Value <= 0 || port.Value > structs.MaxValidPort || p.taken(port.Value) {
			return nil, nil, "network: reserved port collision " + port.Label + "=" + strconv.Itoa(port.Value)
		}
		p.given = append(p.given, port.Value)
		out.ReservedPorts = append(out.ReservedPorts, port)
		mappings = append(mappings, portMapping(port, p.ip))
	}
	for _, port := range ask.DynamicPorts {
		v, ok := p.pickDynamic()
		if !ok {
			return nil, nil, "network: dynamic port selection failed"
		}
		port.Value = v
		if port.To == -1 {
			port.To = v
		}
		p.given = append(p.given, v)
		out.DynamicPorts = append(out.DynamicPorts, port)
		mappings = append(mappings, portMapping(port, p.ip))
	}
	return out, mappings, ""
}

func portMapping(port structs.Port, ip string) structs.AllocatedPortMapping {
	return structs.AllocatedPortMapping{Label: port.Label, Value: port.Value, To: port.To, HostIP: ip}
}

// pickDynamic chooses a free port in the dynamic range: a few random
// tries with the evaluation's seeded source, then a scan from a random
// start.
func (p *portAssigner) pickDynamic() (int, bool) {
	span := structs.MaxDynamicPort - structs.MinDynamicPort + 1
	for i := 0; i < maxRandomPortTries; i++ {
		v := structs.MinDynamicPort + p.ctx.rng.Intn(span)
		if !p.taken(v) {
			return v, true
		}
	}
	start := p.ctx.rng.Intn(span)
	for i := 0; i < span; i++ {
		v := structs.MinDynamicPort + (start+i)%span
		if !p.taken(v) {
			return v, true
		}
	}
	return 0, false
}

// portsAvailable reports why g's ports cannot be had on a node using
// used, or "" when they can: every static port free and not asked twice,
// and enough free ports in the dynamic range.
func portsAvailable(g *groupInfo, used *portSet) string {
	var asks []*structs.NetworkResource
	asks = append(asks, g.tg.Networks...)
	for _, t := range g.tg.Tasks {
		if t.Resources != nil {
			asks = append(asks, t.Resources.Networks...)
		}
	}
	var static []int
	dynamic := 0
	for _, ask := range asks {
		if ask == nil {
			continue
		}
		for _, p := range ask.ReservedPorts {
			if p.Value <= 0 || p.Value > structs.MaxValidPort || used.has(p.Value) {
				return "network: reserved port collision " + p.Label + "=" + strconv.Itoa(p.Value)
			}
			for _, s := range static {
				if s == p.Value {
					return "network: reserved port collision " + p.Label + "=" + strconv.Itoa(p.Value)
				}
			}
			static = append(static, p.Value)
		}
		dynamic += len(ask.DynamicPorts)
	}
	if dynamic == 0 {
		return ""
	}
	free := structs.MaxDynamicPort - structs.MinDynamicPort + 1 - used.countRange(structs.MinDynamicPort, structs.MaxDynamicPort)
	for _, s := range static {
		if s >= structs.MinDynamicPort && s <= structs.MaxDynamicPort {
			free--
		}
	}
	if free < dynamic {
		return "network: dynamic port selection failed"
	}
	return ""
}

// allocResources builds what a placement of g on a node sets aside: each
// task's CPU and memory, the group's disk, and the group's and tasks'
// networks with their ports assigned from used (nil when the group asks
// for no ports). cores are the reserved core IDs per task, when any task
// asks for whole cores. It fails with the exhausted dimension.
func allocResources(ctx *evalContext, g *groupInfo, n *structs.Node, used *portSet, cores map[string][]uint16, cpuPerCore int64) (*structs.AllocatedResources, string) {
	res := &structs.AllocatedResources{Tasks: make(map[string]*structs.AllocatedTaskResources, len(g.tg.Tasks))}
	if g.tg.EphemeralDisk != nil {
		res.Shared.DiskMB = int64(g.tg.EphemeralDisk.SizeMB)
	}
	var ports *portAssigner
	if g.hasPorts {
		ports = newPortAssigner(ctx, n, used)
	}
	for _, t := range g.tg.Tasks {
		tr := &structs.AllocatedTaskResources{}
		if r := t.Resources; r != nil {
			tr.Cpu.CpuShares = int64(r.CPU)
			if r.Cores > 0 {
				tr.Cpu.ReservedCores = cores[t.Name]
				tr.Cpu.CpuShares = int64(r.Cores) * cpuPerCore
			}
			tr.Memory.MemoryMB = int64(r.MemoryMB)
			tr.Memory.MemoryMaxMB = int64(r.MemoryMaxMB)
			for _, ask := range r.Networks {
				if ports == nil || ask == nil {
					continue
				}
				net, _, reason := ports.assign(ask)
				if reason != "" {
					return nil, reason
				}
				tr.Networks = append(tr.Networks, net)
			}
		}
		res.Tasks[t.Name] = tr
	}
	for _, ask := range g.tg.Networks {
		if ask == nil {
			continue
		}
		if ports == nil {
			res.Shared.Networks = append(res.Shared.Networks, &structs.NetworkResource{Mode: ask.Mode, Device: ask.Device, IP: nodeIP(n), MBits: ask.MBits, DNS: ask.DNS, Hostname: ask.Hostname})
			continue
		}
		net, mappings, reason := ports.assign(ask)
		if reason != "" {
			return nil, reason
		}
		res.Shared.Networks = append(res.Shared.Networks, net)
		res.Shared.Ports = append(res.Shared.Ports, mappings...)
	}
	return res, ""
}
