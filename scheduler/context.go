package scheduler

import (
	"hash/fnv"
	"math/rand"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// evalContext holds what one attempt at an evaluation shares across its
// placements: the state it reads, the plan it builds, a seeded random
// source, the metric of the placement in progress and per-evaluation
// caches (node usage, node classes, compiled regular expressions and
// version constraints). It is rebuilt for every plan attempt, so nothing
// in it outlives a refresh of state.
type evalContext struct {
	state  State
	plan   *structs.Plan
	logger hclog.Logger
	eval   *structs.Evaluation
	now    time.Time
	rng    *rand.Rand
	config *structs.SchedulerConfiguration

	// metrics is the metric of the placement in progress; quiet turns
	// recording off for a second (preempting) pass over the nodes.
	metrics *structs.AllocMetric
	quiet   bool

	usage   map[string]*nodeUsage
	classes map[string]string // node ID → computed class, for nodes without one
	evicted map[string]bool   // allocation IDs preempted by this plan

	regexps     map[string]*regexp.Regexp
	versions    map[string]*versionConstraint
	properties  map[string]*propertyCounts
	parsedPorts map[string][]int
}

func newEvalContext(state State, plan *structs.Plan, eval *structs.Evaluation, logger hclog.Logger, config *structs.SchedulerConfiguration) *evalContext {
	return &evalContext{
		state:       state,
		plan:        plan,
		logger:      logger,
		eval:        eval,
		now:         evalNow(eval),
		rng:         rand.New(rand.NewSource(evalSeed(eval.ID))),
		config:      config,
		metrics:     &structs.AllocMetric{},
		usage:       map[string]*nodeUsage{},
		classes:     map[string]string{},
		evicted:     map[string]bool{},
		regexps:     map[string]*regexp.Regexp{},
		versions:    map[string]*versionConstraint{},
		properties:  map[string]*propertyCounts{},
		parsedPorts: map[string][]int{},
	}
}

// evalSeed derives the random seed of an evaluation from its ID, so that
// processing the same evaluation on the same state shuffles nodes alike.
func evalSeed(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64(h.Sum64())
}

// evalNow is the scheduler's notion of the current time: the latest of
// the evaluation's creation, modification and wait-until times. The
// scheduler never reads the clock; the server stamps evaluations when it
// writes them, and a worker wanting a fresher now sets ModifyTime on its
// copy before calling Process.
func evalNow(e *structs.Evaluation) time.Time {
	ns := e.CreateTime
	if e.ModifyTime > ns {
		ns = e.ModifyTime
	}
	t := time.Unix(0, ns)
	if e.WaitUntil.After(t) {
		t = e.WaitUntil
	}
	return t
}

// newID returns a fresh allocation, evaluation or deployment ID. IDs are
// random UUIDs rather than derived from the seed: an evaluation run twice
// (a nack and redelivery after a partial commit) must never mint an ID
// that the first run already committed.
func (c *evalContext) newID() string { return uuid.NewString() }

// classOf returns the node's computed class, computing it (without
// touching the shared node) when the server has not.
func (c *evalContext) classOf(n *structs.Node) string {
	if n.ComputedClass != "" {
		return n.ComputedClass
	}
	if cls, ok := c.classes[n.ID]; ok {
		return cls
	}
	cls := n.HashClass()
	c.classes[n.ID] = cls
	return cls
}

// resetMetrics starts the metric of a new placement.
func (c *evalContext) resetMetrics() { c.metrics = &structs.AllocMetric{} }

// evaluateNode counts a node pulled from the source.
func (c *evalContext) evaluateNode() {
	if !c.quiet {
		c.metrics.NodesEvaluated++
	}
}

// filterNode counts a node removed by a feasibility check, under the
// check's reason and the node's class.
func (c *evalContext) filterNode(n *structs.Node, reason string) {
	if c.quiet {
		return
	}
	m := c.metrics
	m.NodesFiltered++
	if n.NodeClass != "" {
		if m.ClassFiltered == nil {
			m.ClassFiltered = map[string]int{}
		}
		m.ClassFiltered[n.NodeClass]++
	}
	if reason != "" {
		if m.ConstraintFiltered == nil {
			m.ConstraintFiltered = map[string]int{}
		}
		m.ConstraintFiltered[reason]++
	}
}

// exhaustedNode counts a feasible node without room, under the dimension
// that ran out.
func (c *evalContext) exhaustedNode(n *structs.Node, dimension string) {
	if c.quiet {
		return
	}
	m := c.metrics
	m.NodesExhausted++
	if n.NodeClass != "" {
		if m.ClassExhausted == nil {
			m.ClassExhausted = map[string]int{}
		}
		m.ClassExhausted[n.NodeClass]++
	}
	if dimension != "" {
		if m.DimensionExhausted == nil {
			m.DimensionExhausted = map[string]int{}
		}
		m.DimensionExhausted[dimension]++
	}
}

// compiledRegexp returns the compiled expression, compiling it once per
// evaluation; nil when it does not compile.
func (c *evalContext) compiledRegexp(expr string) *regexp.Regexp {
	if re, ok := c.regexps[expr]; ok {
		return re
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		re = nil
	}
	c.regexps[expr] = re
	return re
}

// parsedVersionConstraint returns the parsed constraint, once per
// evaluation; nil when it does not parse.
func (c *evalContext) parsedVersionConstraint(expr string, strict bool) *versionConstraint {
	key := expr
	if strict {
		key = "semver:" + expr
	}
	if vc, ok := c.versions[key]; ok {
		return vc
	}
	vc, err := parseVersionConstraint(expr, strict)
	if err != nil {
		vc = nil
	}
	c.versions[key] = vc
	return vc
}
