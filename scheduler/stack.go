package scheduler

import (
	"math"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// affinityLimit is how many ranked nodes a placement looks at, at least,
// when the group has affinities or spreads: a small random sample would
// often miss the nodes they prefer.
const affinityLimit = 50

// stack wires the placement stages into one chain. A placement pulls
// from the last stage; each stage pulls from the one before:
//
//	source        the job's ready nodes in a lazy seeded shuffle, as a ring
//	feasibility   drivers and constraints, cached per computed class;
//	              host volumes, per node
//	distinct      distinct_hosts, then distinct_property, per node
//	binpack       resources and ports; fuller (or, spread, emptier) is better
//	anti-affinity penalise nodes already running the group
//	penalty       penalise nodes a rescheduled allocation failed on
//	affinity      reward nodes matching the affinities, by weight
//	spread        reward nodes moving spread attributes toward their targets
//	normalize     final score: the mean of the scores collected
//	limit         stop after log2(nodes) nodes (at least 2; more with
//	              affinities or spreads)
//	max score     the best of those
type stack struct {
	ctx     *evalContext
	job     *structs.Job
	preempt bool

	source           *staticIterator
	feasibility      *feasibilityIterator
	distinctHosts    *distinctHostsIterator
	distinctProperty *distinctPropertyIterator
	binPack          *binPackIterator
	antiAffinity     *jobAntiAffinityIterator
	penalty          *reschedulePenaltyIterator
	affinity         *nodeAffinityIterator
	spread           *spreadIterator
	normalize        *scoreNormalizationIterator
	limit            *limitIterator
	maxScore         *maxScoreIterator

	// Per group: its placement data and class caches.
	groups         map[string]*groupInfo
	classCaches    map[string]map[string]classResult
	affinityCaches map[string]map[string]float64
	nodeCount      int
}

// newStack builds the chain over nodes, which it never modifies.
func newStack(ctx *evalContext, job *structs.Job, nodes []*structs.Node) *stack {
	s := &stack{
		ctx:            ctx,
		job:            job,
		preempt:        ctx.config.PreemptionEnabled(job.Type),
		groups:         map[string]*groupInfo{},
		classCaches:    map[string]map[string]classResult{},
		affinityCaches: map[string]map[string]float64{},
	}
	s.nodeCount = len(nodes)
	s.source = newStaticIterator(ctx, nodes)
	s.feasibility = &feasibilityIterator{ctx: ctx, source: s.source}
	s.distinctHosts = &distinctHostsIterator{ctx: ctx, source: s.feasibility}
	s.distinctProperty = &distinctPropertyIterator{ctx: ctx, source: s.distinctHosts}
	s.binPack = &binPackIterator{ctx: ctx, source: s.distinctProperty, spread: ctx.config.EffectiveSchedulerAlgorithm() == structs.SchedulerAlgorithmSpread}
	s.antiAffinity = &jobAntiAffinityIterator{source: s.binPack}
	s.penalty = &reschedulePenaltyIterator{source: s.antiAffinity}
	s.affinity = &nodeAffinityIterator{ctx: ctx, source: s.penalty}
	s.spread = &spreadIterator{ctx: ctx, source: s.affinity}
	s.normalize = &scoreNormalizationIterator{source: s.spread}
	s.limit = &limitIterator{source: s.normalize}
	s.maxScore = &maxScoreIterator{source: s.limit}
	return s
}

// group returns the placement data of a task group, computing it once.
func (s *stack) group(tg *structs.TaskGroup) *groupInfo {
	g, ok := s.groups[tg.Name]
	if !ok {
		g = newGroupInfo(s.job, tg)
		s.groups[tg.Name] = g
	}
	return g
}

// setGroup points every stage at g.
func (s *stack) setGroup(g *groupInfo, penalty map[string]bool) {
	s.feasibility.setGroup(g)
	if c, ok := s.classCaches[g.tg.Name]; ok {
		s.feasibility.cache = c
	} else {
		s.classCaches[g.tg.Name] = s.feasibility.cache
	}
	s.distinctHosts.g = g
	s.distinctProperty.g = g
	s.binPack.g = g
	s.antiAffinity.g = g
	s.penalty.nodes = penalty
	s.affinity.g = g
	if c, ok := s.affinityCaches[g.tg.Name]; ok {
		s.affinity.cache = c
	} else {
		s.affinity.cache = map[string]float64{}
		s.affinityCaches[g.tg.Name] = s.affinity.cache
	}
	s.spread.g = g
	limit := 2
	if s.nodeCount > 4 {
		limit = int(math.Ceil(math.Log2(float64(s.nodeCount))))
	}
	if len(g.affinities) > 0 || len(g.spreads) > 0 {
		limit = max(limit, min(s.nodeCount, affinityLimit))
	}
	s.limit.setLimit(limit)
}

// Select returns the best node for one allocation of tg, or nil. penalty
// holds nodes to score down (where a rescheduled allocation failed). The
// first pass never preempts; when it finds nothing and preemption is on,
// a second, unrecorded pass may evict lower-priority allocations.
func (s *stack) Select(tg *structs.TaskGroup, penalty map[string]bool) *rankedNode {
	g := s.group(tg)
	s.setGroup(g, penalty)
	s.maxScore.Reset()
	best := s.maxScore.Next()
	if best == nil && s.preempt {
		s.ctx.quiet = true
		s.binPack.preempt = true
		s.maxScore.Reset()
		best = s.maxScore.Next()
		s.binPack.preempt = false
		s.ctx.quiet = false
	}
	if best != nil {
		res, dim := buildResources(s.ctx, g, best.usage, best.preempted)
		if res == nil {
			// fitGroup said it fits; only a bug gets here.
			s.ctx.logger.Error("placement resources failed after fit", "node_id", best.node.ID, "dimension", dim)
			s.ctx.exhaustedNode(best.node, dim)
			return nil
		}
		best.resources = res
		m := s.ctx.metrics
		m.Scores = make(map[string]float64, best.nparts+1)
		for i := 0; i < best.nparts; i++ {
			m.Scores[best.node.ID+"."+best.parts[i].name] = best.parts[i].value
		}
		m.Scores[best.node.ID+".normalized-score"] = best.finalScore
	}
	return best
}

// SelectOn is Select restricted to one node, for the system schedulers.
func (s *stack) SelectOn(n *structs.Node, tg *structs.TaskGroup) *rankedNode {
	s.source.setNodes([]*structs.Node{n})
	s.nodeCount = 1
	return s.Select(tg, nil)
}

// classEligibility merges, over every group placed, which computed
// classes passed the class-level checks, and reports whether any group
// has constraints that escape the class.
func (s *stack) classEligibility() (map[string]bool, bool) {
	out := map[string]bool{}
	escaped := false
	for name, cache := range s.classCaches {
		for cls, r := range cache {
			out[cls] = out[cls] || r.ok
		}
		if g := s.groups[name]; g != nil && g.escapesClass() {
			escaped = true
		}
	}
	return out, escaped
}
