package scheduler

import (
	"sort"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// This file holds the ranking stages: each takes feasible nodes, counts
// resources or adds a score in [-1, 1] under its own name, and passes the
// node on. The final score is the mean of the scores a node collected.

// Score names, as they appear in AllocMetric.Scores.
const (
	scoreBinPack           = "binpack"
	scoreJobAntiAffinity   = "job-anti-affinity"
	scoreReschedulePenalty = "node-reschedule-penalty"
	scoreNodeAffinity      = "node-affinity"
	scoreSpread            = "allocation-spread"
	scorePreemption        = "preemption"
)

type scorePart struct {
	name  string
	value float64
}

// rankedNode is a feasible node with room for the group: the resources a
// placement there would get, any allocations it would preempt, and its
// scores.
type rankedNode struct {
	node      *structs.Node
	usage     *nodeUsage
	resources *structs.AllocatedResources
	preempted []*structs.Allocation

	parts      [6]scorePart
	nparts     int
	finalScore float64
}

func (r *rankedNode) addScore(name string, v float64) {
	if r.nparts < len(r.parts) {
		r.parts[r.nparts] = scorePart{name, v}
		r.nparts++
	}
}

// rankIterator yields ranked nodes one by one.
type rankIterator interface {
	Next() *rankedNode
	Reset()
}

// binPackIterator is the resource stage: it keeps the nodes with room for
// the group's CPU, cores, memory, disk and ports after what the node
// already runs (and what the plan has placed or stopped there), assigns
// the ports, and scores how full the node would be. With the binpack
// algorithm fuller nodes score higher, with spread emptier ones do. When
// preemption is allowed, a node without room may still be chosen if
// evicting lower-priority allocations makes room.
type binPackIterator struct {
	ctx     *evalContext
	source  feasibleIterator
	g       *groupInfo
	spread  bool
	preempt bool
}

func (it *binPackIterator) Reset() { it.source.Reset() }

func (it *binPackIterator) Next() *rankedNode {
	for {
		n := it.source.Next()
		if n == nil {
			return nil
		}
		u, err := it.ctx.nodeUsage(n)
		if err != nil {
			it.ctx.logger.Error("binpack: node usage", "node_id", n.ID, "error", err)
			continue
		}
		ok, dim := fitGroup(it.ctx, it.g, u, nil)
		var evicted []*structs.Allocation
		if !ok && it.preempt {
			if evicted = findPreemption(it.ctx, it.g, u); evicted != nil {
				ok = true
			}
		}
		if !ok {
			it.ctx.exhaustedNode(n, dim)
			continue
		}
		r := &rankedNode{node: n, usage: u, preempted: evicted}
		r.addScore(scoreBinPack, fitness(u, groupAsk(it.g, n), evicted, it.spread))
		if len(evicted) > 0 {
			r.addScore(scorePreemption, -float64(len(evicted))/float64(len(evicted)+1))
		}
		return r
	}
}

// fitGroup checks that g fits on the node once the allocations in evict
// are gone: CPU, cores, memory, disk, ports (static ones free, enough of
// the dynamic range left) and network bandwidth. On failure it names the
// dimension. It builds nothing: only the chosen node gets resources, from
// buildResources.
func fitGroup(ctx *evalContext, g *groupInfo, u *nodeUsage, evict []*structs.Allocation) (bool, string) {
	free := u.free()
	skip := skipSet(evict)
	for _, a := range evict {
		free.Add(a.AllocatedResources.Comparable())
	}
	ask := groupAsk(g, u.node)
	if g.hasCores {
		if _, ok := assignCores(g, u, skip); !ok {
			return false, structs.DimensionCores
		}
	}
	if ok, dim := free.Superset(ask); !ok {
		return false, dim
	}
	if g.hasPorts {
		used := ctx.usedPorts(u)
		if skip != nil {
			used = ctx.buildPortSet(u.node, u.allocs, skip)
		}
		if reason := portsAvailable(g, used); reason != "" {
			return false, reason
		}
	}
	if len(g.bandwidth) > 0 && !bandwidthFits(g, u, skip) {
		return false, structs.DimensionBandwidth
	}
	return true, ""
}

// bandwidthFits checks the group's MBits on the node's networks, counted
// as the plan applier counts them (structs.AllocsFit). Only groups that
// ask for bandwidth pay for the scan of the node's allocations.
func bandwidthFits(g *groupInfo, u *nodeUsage, skip map[string]bool) bool {
	bw := structs.NewBandwidth(u.node)
	if !bw.Checked() {
		return true
	}
	for _, a := range u.allocs {
		if !skip[a.ID] {
			bw.AddAlloc(a)
		}
	}
	ip := nodeIP(u.node)
	for _, n := range g.bandwidth {
		bw.Add(&structs.NetworkResource{Device: n.Device, IP: ip, MBits: n.MBits})
	}
	return !bw.Exceeded()
}

// buildResources makes the resources of a placement on the chosen node,
// assigning cores and ports; fitGroup has already said they fit.
func buildResources(ctx *evalContext, g *groupInfo, u *nodeUsage, evict []*structs.Allocation) (*structs.AllocatedResources, string) {
	skip := skipSet(evict)
	var cores map[string][]uint16
	if g.hasCores {
		var ok bool
		if cores, ok = assignCores(g, u, skip); !ok {
			return nil, structs.DimensionCores
		}
	}
	var used *portSet
	if g.hasPorts {
		used = ctx.usedPorts(u)
		if skip != nil {
			used = ctx.buildPortSet(u.node, u.allocs, skip)
		}
	}
	return allocResources(ctx, g, u.node, used, cores, cpuPerCore(u.node))
}

// groupAsk is what g takes from a node: its tasks' CPU, memory and cores,
// whole cores also counted in CPU at the node's MHz per core, and disk.
func groupAsk(g *groupInfo, n *structs.Node) structs.ComparableResources {
	ask := g.ask
	if g.hasCores {
		ask.CPU += ask.Cores * cpuPerCore(n)
	}
	return ask
}

func skipSet(evict []*structs.Allocation) map[string]bool {
	if len(evict) == 0 {
		return nil
	}
	skip := make(map[string]bool, len(evict))
	for _, a := range evict {
		skip[a.ID] = true
	}
	return skip
}

func cpuPerCore(n *structs.Node) int64 {
	if n.NodeResources == nil || n.NodeResources.Cpu.TotalCpuCores == 0 {
		return 0
	}
	return n.NodeResources.Cpu.CpuShares / int64(n.NodeResources.Cpu.TotalCpuCores)
}

// assignCores picks free core IDs for each task asking for whole cores.
func assignCores(g *groupInfo, u *nodeUsage, skip map[string]bool) (map[string][]uint16, bool) {
	var all []uint16
	if nr := u.node.NodeResources; nr != nil {
		all = nr.Cpu.ReservableCpuCores
		if len(all) == 0 {
			for i := 0; i < nr.Cpu.TotalCpuCores; i++ {
				all = append(all, uint16(i))
			}
		}
	}
	taken := map[uint16]bool{}
	if rr := u.node.ReservedResources; rr != nil {
		for _, c := range rr.Cpu.ReservableCpuCores {
			taken[c] = true
		}
	}
	for _, a := range u.allocs {
		if skip[a.ID] || a.AllocatedResources == nil {
			continue
		}
		for _, t := range a.AllocatedResources.Tasks {
			for _, c := range t.Cpu.ReservedCores {
				taken[c] = true
			}
		}
	}
	var free []uint16
	for _, c := range all {
		if !taken[c] {
			free = append(free, c)
		}
	}
	sort.Slice(free, func(i, j int) bool { return free[i] < free[j] })
	out := map[string][]uint16{}
	for _, t := range g.tg.Tasks {
		if t.Resources == nil || t.Resources.Cores == 0 {
			continue
		}
		if len(free) < t.Resources.Cores {
			return nil, false
		}
		out[t.Name] = free[:t.Resources.Cores:t.Resources.Cores]
		free = free[t.Resources.Cores:]
	}
	return out, true
}

// fitness scores a node by the mean of its CPU and memory utilisation
// once the placement is made: 1 for a full node, 0 for an empty one
// (binpack), or the reverse (spread).
func fitness(u *nodeUsage, ask structs.ComparableResources, evicted []*structs.Allocation, spread bool) float64 {
	used := u.used
	used.Add(ask)
	for _, a := range evicted {
		used.Subtract(a.AllocatedResources.Comparable())
	}
	util := 0.0
	dims := 0.0
	if u.avail.CPU > 0 {
		util += float64(used.CPU) / float64(u.avail.CPU)
		dims++
	}
	if u.avail.MemoryMB > 0 {
		util += float64(used.MemoryMB) / float64(u.avail.MemoryMB)
		dims++
	}
	if dims > 0 {
		util /= dims
	}
	if util > 1 {
		util = 1
	}
	if spread {
		return 1 - util
	}
	return util
}

// jobAntiAffinityIterator penalises nodes already running allocations of
// the same job and group, more the more there are relative to the
// group's count, so that a group spreads over nodes unless bin-packing
// strongly prefers otherwise.
type jobAntiAffinityIterator struct {
	source rankIterator
	g      *groupInfo
}

func (it *jobAntiAffinityIterator) Reset() { it.source.Reset() }

func (it *jobAntiAffinityIterator) Next() *rankedNode {
	r := it.source.Next()
	if r == nil {
		return nil
	}
	collisions := 0
	for _, a := range r.usage.allocs {
		if a.JobID == it.g.job.ID && a.TaskGroup == it.g.tg.Name && a.Namespace == it.g.job.Namespace {
			collisions++
		}
	}
	if collisions > 0 {
		count := it.g.tg.Count
		if count < 1 {
			count = 1
		}
		p := float64(collisions) / float64(count)
		if p > 1 {
			p = 1
		}
		r.addScore(scoreJobAntiAffinity, -p)
	}
	return r
}

// reschedulePenaltyIterator gives -1 to the nodes a rescheduled
// allocation failed on before.
type reschedulePenaltyIterator struct {
	source rankIterator
	nodes  map[string]bool
}

func (it *reschedulePenaltyIterator) Reset() { it.source.Reset() }

func (it *reschedulePenaltyIterator) Next() *rankedNode {
	r := it.source.Next()
	if r != nil && it.nodes[r.node.ID] {
		r.addScore(scoreReschedulePenalty, -1)
	}
	return r
}

// nodeAffinityIterator scores a node by the weights of the affinities it
// matches over the sum of all weights' magnitudes, in [-1, 1]. Unless an
// affinity reads a unique attribute, the score is cached per class.
type nodeAffinityIterator struct {
	ctx    *evalContext
	source rankIterator
	g      *groupInfo
	cache  map[string]float64
}

func (it *nodeAffinityIterator) Reset() { it.source.Reset() }

func (it *nodeAffinityIterator) Next() *rankedNode {
	r := it.source.Next()
	if r == nil || len(it.g.affinities) == 0 {
		return r
	}
	var cls string
	if !it.g.affinitiesEscaped {
		cls = it.ctx.classOf(r.node)
		if s, ok := it.cache[cls]; ok {
			r.addScore(scoreNodeAffinity, s)
			return r
		}
	}
	total, matched := 0.0, 0.0
	for _, a := range it.g.affinities {
		w := float64(a.Weight)
		if w < 0 {
			total -= w
		} else {
			total += w
		}
		l, lok := resolveTarget(a.LTarget, r.node)
		rv, rok := resolveTarget(a.RTarget, r.node)
		if it.ctx.checkOperand(a.Operand, l, rv, lok, rok) {
			matched += w
		}
	}
	s := 0.0
	if total > 0 {
		s = matched / total
	}
	if !it.g.affinitiesEscaped {
		it.cache[cls] = s
	}
	r.addScore(scoreNodeAffinity, s)
	return r
}

// scoreNormalizationIterator sets the final score: the mean of the
// node's scores.
type scoreNormalizationIterator struct {
	source rankIterator
}

func (it *scoreNormalizationIterator) Reset() { it.source.Reset() }

func (it *scoreNormalizationIterator) Next() *rankedNode {
	r := it.source.Next()
	if r == nil {
		return nil
	}
	sum := 0.0
	for i := 0; i < r.nparts; i++ {
		sum += r.parts[i].value
	}
	if r.nparts > 0 {
		r.finalScore = sum / float64(r.nparts)
	}
	return r
}
