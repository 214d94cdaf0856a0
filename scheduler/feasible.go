package scheduler

import (
	"fmt"
	"path"
	"sort"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// This file holds the feasibility stages: which nodes could run a task
// group at all, before resources are counted. Each stage is a small
// iterator over nodes that pulls from the one before it and records in
// the evaluation's metric why it dropped a node.

// feasibleIterator yields candidate nodes one by one.
type feasibleIterator interface {
	// Next returns the next node that passes, or nil when none is left.
	Next() *structs.Node
	// Reset starts a new placement.
	Reset()
}

// readyNodes returns the nodes that may take new work for the job: ready,
// eligible, not draining, in one of the job's datacenters (globs such as
// "*" or "us-*" allowed) and in its node pool ("all" matches every pool).
// It also counts, per datacenter, the ready nodes available, and how many
// nodes are in the pool. Nodes it leaves out are not counted as filtered:
// they were never candidates. The returned slice may be shared (see
// NodeCache) and must not be modified.
func readyNodes(state State, job *structs.Job) ([]*structs.Node, map[string]int, int, error) {
	if rs, ok := state.(readyNodesState); ok {
		return rs.readyNodes(job)
	}
	all, err := allNodes(state)
	if err != nil {
		return nil, nil, 0, err
	}
	nodes, byDC, inPool := filterReady(all, job)
	return nodes, byDC, inPool, nil
}

// readyNodesState is implemented by states wrapped by NodeCache, which
// remember readyNodes per node pool and datacenter list.
type readyNodesState interface {
	readyNodes(job *structs.Job) ([]*structs.Node, map[string]int, int, error)
}

func filterReady(all []*structs.Node, job *structs.Job) ([]*structs.Node, map[string]int, int) {
	pool := jobPool(job)
	out := make([]*structs.Node, 0, len(all))
	byDC := map[string]int{}
	inPool := 0
	lastDC, lastMatch := "", false
	for _, n := range all {
		if pool != "all" && n.NodePool != pool && !(n.NodePool == "" && pool == structs.DefaultNodePool) {
			continue
		}
		inPool++
		if !nodeSchedulable(n) {
			continue
		}
		if n.Datacenter != lastDC || len(out) == 0 {
			lastDC, lastMatch = n.Datacenter, datacenterMatches(job.Datacenters, n.Datacenter)
		}
		if !lastMatch {
			continue
		}
		byDC[n.Datacenter]++
		out = append(out, n)
	}
	return out, byDC, inPool
}

func jobPool(job *structs.Job) string {
	if job.NodePool == "" {
		return structs.DefaultNodePool
	}
	return job.NodePool
}

// nodeSchedulable is the node status stage: ready, eligible, not draining.
func nodeSchedulable(n *structs.Node) bool {
	return n.Status == structs.NodeStatusReady &&
		n.SchedulingEligibility != structs.NodeSchedulingIneligible &&
		!n.Drain && n.DrainStrategy == nil
}

// datacenterMatches reports whether dc matches one of the job's
// datacenters; an empty list matches every datacenter.
func datacenterMatches(patterns []string, dc string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == dc || p == "*" {
			return true
		}
		if ok, err := path.Match(p, dc); err == nil && ok {
			return true
		}
	}
	return false
}

// staticIterator is the source stage: it walks the job's ready nodes in
// an order drawn with the evaluation's seeded source, so placements spread
// over the cluster yet the same evaluation on the same state gives the
// same order. The order is drawn lazily (a Fisher-Yates shuffle that only
// swaps as far as it has been read, with the swaps kept aside), so an
// evaluation that looks at a hundred of five thousand nodes pays for a
// hundred, and the node slice, which may be shared, is never modified.
// Reset does not rewind: the next placement starts where the last one
// stopped, so consecutive placements look at fresh nodes instead of
// rescanning the same full ones; each placement sees every node at most
// once.
type staticIterator struct {
	ctx    *evalContext
	nodes  []*structs.Node
	swaps  map[int]int // shuffled position → index in nodes, where moved
	drawn  int         // positions [0, drawn) are fixed
	offset int         // next position to read
	seen   int         // nodes read by this placement
}

func newStaticIterator(ctx *evalContext, nodes []*structs.Node) *staticIterator {
	return &staticIterator{ctx: ctx, nodes: nodes, swaps: map[int]int{}}
}

func (it *staticIterator) at(pos int) int {
	if i, ok := it.swaps[pos]; ok {
		return i
	}
	return pos
}

func (it *staticIterator) Next() *structs.Node {
	n := len(it.nodes)
	if it.seen >= n {
		return nil
	}
	pos := it.offset
	if pos == it.drawn && it.drawn < n {
		j := pos + it.ctx.rng.Intn(n-pos)
		a, b := it.at(pos), it.at(j)
		it.swaps[pos], it.swaps[j] = b, a
		it.drawn++
	}
	node := it.nodes[it.at(pos)]
	it.offset = (pos + 1) % n
	it.seen++
	it.ctx.evaluateNode()
	return node
}

func (it *staticIterator) Reset() { it.seen = 0 }

// setNodes replaces the node list and rewinds.
func (it *staticIterator) setNodes(nodes []*structs.Node) {
	it.nodes, it.offset, it.seen, it.drawn = nodes, 0, 0, 0
	clear(it.swaps)
}

// feasibilityChecker is one test of a node; reason names it in metrics.
type feasibilityChecker interface {
	feasible(n *structs.Node) (ok bool, reason string)
}

// driverChecker requires every driver the group's tasks use to be
// detected and healthy on the node (or, for a node that reports drivers
// only as attributes, "driver.<name>" true).
type driverChecker struct {
	drivers []string
}

func (c *driverChecker) feasible(n *structs.Node) (bool, string) {
	for _, d := range c.drivers {
		if healthy, _ := nodeDriver(n, d); !healthy {
			return false, reasonMissingDrivers
		}
	}
	return true, ""
}

// constraintChecker requires every constraint to hold.
type constraintChecker struct {
	ctx         *evalContext
	constraints []*structs.Constraint
	names       []string
}

func newConstraintChecker(ctx *evalContext, cs []*structs.Constraint) *constraintChecker {
	c := &constraintChecker{ctx: ctx, constraints: cs}
	for _, con := range cs {
		c.names = append(c.names, constraintString(con))
	}
	return c
}

func (c *constraintChecker) feasible(n *structs.Node) (bool, string) {
	for i, con := range c.constraints {
		if !c.ctx.meetsConstraint(con, n) {
			return false, c.names[i]
		}
	}
	return true, ""
}

// reasonHostVolumes names the host volume check in filter metrics.
const reasonHostVolumes = "missing compatible host volumes"

// hostVolumeChecker requires the node to offer every host volume the
// group asks for, by its Source name, and a writable one where the
// request is not read-only.
type hostVolumeChecker struct {
	volumes []*structs.VolumeRequest
}

// newHostVolumeChecker returns nil when the group asks for no host volume.
func newHostVolumeChecker(tg *structs.TaskGroup) *hostVolumeChecker {
	if tg == nil {
		return nil
	}
	var names []string
	for name, v := range tg.Volumes {
		if v != nil && v.Type == structs.VolumeTypeHost {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	c := &hostVolumeChecker{}
	for _, name := range names {
		c.volumes = append(c.volumes, tg.Volumes[name])
	}
	return c
}

func (c *hostVolumeChecker) feasible(n *structs.Node) (bool, string) {
	for _, req := range c.volumes {
		vol, ok := n.HostVolumes[req.Source]
		if !ok || vol == nil {
			return false, reasonHostVolumes
		}
		if vol.ReadOnly && !req.ReadOnly {
			return false, reasonHostVolumes
		}
	}
	return true, ""
}

// classResult is the cached outcome of the class-level checks.
type classResult struct {
	ok     bool
	reason string
}

// feasibilityIterator runs the driver and constraint checks. Checks that
// depend only on what the computed class covers run once per class and
// their outcome (with its reason, so metrics stay exact per node) is
// reused for every node of the class; constraints on unique attributes
// run per node.
type feasibilityIterator struct {
	ctx           *evalContext
	source        feasibleIterator
	classCheckers []feasibilityChecker
	nodeCheckers  []feasibilityChecker
	cache         map[string]classResult
}

func (it *feasibilityIterator) setGroup(g *groupInfo) {
	it.classCheckers = []feasibilityChecker{&driverChecker{drivers: g.drivers}}
	if len(g.classConstraints) > 0 {
		it.classCheckers = append(it.classCheckers, newConstraintChecker(it.ctx, g.classConstraints))
	}
	it.nodeCheckers = nil
	if len(g.nodeConstraints) > 0 {
		it.nodeCheckers = append(it.nodeCheckers, newConstraintChecker(it.ctx, g.nodeConstraints))
	}
	// Host volumes are the node's own, outside the computed class.
	if hv := newHostVolumeChecker(g.tg); hv != nil {
		it.nodeCheckers = append(it.nodeCheckers, hv)
	}
	it.cache = map[string]classResult{}
}

func (it *feasibilityIterator) Next() *structs.Node {
	for {
		n := it.source.Next()
		if n == nil {
			return nil
		}
		if ok, reason := it.check(n); !ok {
			it.ctx.filterNode(n, reason)
			continue
		}
		return n
	}
}

// check runs the checks on one node without touching metrics.
func (it *feasibilityIterator) check(n *structs.Node) (bool, string) {
	cls := it.ctx.classOf(n)
	r, ok := it.cache[cls]
	if !ok {
		r = classResult{ok: true}
		for _, c := range it.classCheckers {
			if pass, reason := c.feasible(n); !pass {
				r = classResult{reason: reason}
				break
			}
		}
		it.cache[cls] = r
	}
	if !r.ok {
		return false, r.reason
	}
	for _, c := range it.nodeCheckers {
		if pass, reason := c.feasible(n); !pass {
			return false, reason
		}
	}
	return true, ""
}

func (it *feasibilityIterator) Reset() { it.source.Reset() }

// distinctHostsIterator drops nodes that already run an allocation of
// the job (job-level distinct_hosts) or of the group (group-level),
// counting the plan's own placements.
type distinctHostsIterator struct {
	ctx    *evalContext
	source feasibleIterator
	g      *groupInfo
}

func (it *distinctHostsIterator) Next() *structs.Node {
	for {
		n := it.source.Next()
		if n == nil {
			return nil
		}
		if !it.g.jobDistinctHosts && !it.g.groupDistinctHosts {
			return n
		}
		u, err := it.ctx.nodeUsage(n)
		if err != nil {
			it.ctx.logger.Error("distinct_hosts: node usage", "node_id", n.ID, "error", err)
			continue
		}
		if it.collides(u) {
			it.ctx.filterNode(n, structs.ConstraintDistinctHosts)
			continue
		}
		return n
	}
}

func (it *distinctHostsIterator) collides(u *nodeUsage) bool {
	for _, a := range u.allocs {
		if a.JobID != it.g.job.ID || a.Namespace != it.g.job.Namespace {
			continue
		}
		if it.g.jobDistinctHosts || a.TaskGroup == it.g.tg.Name {
			return true
		}
	}
	return false
}

func (it *distinctHostsIterator) Reset() { it.source.Reset() }

// distinctPropertyIterator drops nodes whose value of a distinct_property
// target is already used by as many allocations as the limit allows.
type distinctPropertyIterator struct {
	ctx    *evalContext
	source feasibleIterator
	g      *groupInfo
}

func (it *distinctPropertyIterator) Next() *structs.Node {
	for {
		n := it.source.Next()
		if n == nil {
			return nil
		}
		if ok, reason := it.check(n); !ok {
			it.ctx.filterNode(n, reason)
			continue
		}
		return n
	}
}

func (it *distinctPropertyIterator) check(n *structs.Node) (bool, string) {
	for _, dp := range it.g.distinctProperties {
		group := it.g.tg.Name
		if dp.jobLevel {
			group = ""
		}
		counts, err := it.ctx.propertyCounts(it.g.job, group, dp.constraint.LTarget)
		if err != nil {
			it.ctx.logger.Error("distinct_property: counting", "error", err)
			return false, "distinct_property: " + dp.constraint.LTarget
		}
		v, ok := resolveTarget(dp.constraint.LTarget, n)
		if !ok {
			return false, "missing property " + dp.constraint.LTarget
		}
		if counts.values[v] >= dp.limit {
			return false, fmt.Sprintf("distinct_property: %s=%s used by %d allocs", dp.constraint.LTarget, v, counts.values[v])
		}
	}
	return true, ""
}

func (it *distinctPropertyIterator) Reset() { it.source.Reset() }
