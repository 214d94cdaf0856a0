package scheduler

import (
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// maxSystemScheduleAttempts is higher than for service jobs: a system
// plan touches many nodes, so partial commits are likelier.
const maxSystemScheduleAttempts = 10

// SystemScheduler schedules system jobs (one allocation of each group on
// every eligible node, kept running) and sysbatch jobs (the same, run to
// completion once per node and job version).
//
// Per node and group: an allocation on a node that is down, gone or
// disconnected is stopped as lost; on a draining node it is stopped when
// marked for migration or once the drain's deadline passes, unless the
// drain ignores system jobs (the leader's drainer stops system
// allocations itself once the node's other work is gone); on a node that left the job's
// datacenters or pool, or no longer meets its constraints or drivers, it
// is stopped. A node marked ineligible keeps what it runs but gets
// nothing new. Every ready, eligible node without an allocation gets one,
// except that sysbatch never reruns a completed (or failed) allocation of
// the current job version, while system replaces failed ones. A node the
// group cannot use (constraints, drivers) is skipped, not failed; a node
// without room is a failed placement, after trying preemption when the
// scheduler configuration allows it (it does for system jobs by default).
// Updates are in place or destructive as for services; destructive ones
// are limited to the update block's max_parallel per evaluation, the rest
// left to a follow-up evaluation due after the stagger.
type SystemScheduler struct {
	logger   hclog.Logger
	state    State
	planner  Planner
	sysbatch bool

	eval    *structs.Evaluation
	ctx     *evalContext
	outcome *outcome
}

// NewSystemScheduler is the Factory of the system scheduler.
func NewSystemScheduler(logger hclog.Logger, state State, planner Planner) Scheduler {
	return &SystemScheduler{logger: namedLogger(logger, "system_sched"), state: state, planner: planner}
}

// NewSysBatchScheduler is the Factory of the sysbatch scheduler.
func NewSysBatchScheduler(logger hclog.Logger, state State, planner Planner) Scheduler {
	return &SystemScheduler{logger: namedLogger(logger, "sysbatch_sched"), state: state, planner: planner, sysbatch: true}
}

// Process places the job on every eligible node, retrying on fresher
// state after partial commits.
func (s *SystemScheduler) Process(eval *structs.Evaluation) error {
	s.eval = eval
	done, err := runAttempts(maxSystemScheduleAttempts, s.attempt)
	if err != nil {
		return failEval(s.planner, eval, err)
	}
	return finishEval(s.ctx, s.planner, eval, s.outcome, done, maxSystemScheduleAttempts)
}

// systemPlacement is a placement on a given node.
type systemPlacement struct {
	node     *structs.Node
	tg       *structs.TaskGroup
	previous *structs.Allocation // destructive update
}

func (s *SystemScheduler) attempt() (bool, error) {
	eval := s.eval
	job, err := s.state.JobByID(nil, eval.Namespace, eval.JobID)
	if err != nil {
		return false, fmt.Errorf("job %q: %w", eval.JobID, err)
	}
	allocs, err := s.state.AllocsByJob(nil, eval.Namespace, eval.JobID, true)
	if err != nil {
		return false, fmt.Errorf("allocations of job %q: %w", eval.JobID, err)
	}
	nodes, err := allocNodes(s.state, allocs)
	if err != nil {
		return false, err
	}
	plan := &structs.Plan{EvalID: eval.ID, Priority: eval.Priority, Job: job}
	ctx := newEvalContext(s.state, plan, eval, s.logger, schedulerConfig(s.state))
	s.ctx = ctx
	s.outcome = &outcome{queued: map[string]int{}}
	desired := map[string]*structs.DesiredUpdates{}
	stopped := job == nil || job.Stop

	var ready []*structs.Node
	byDC, inPool := map[string]int{}, 0
	var st *stack
	if !stopped {
		if ready, byDC, inPool, err = readyNodes(s.state, job); err != nil {
			return false, err
		}
		if err := checkSystemPlacements(job, len(ready), maxPlacements(s.planner)); err != nil {
			return false, err
		}
		st = newStack(ctx, job, nil)
		for _, tg := range job.TaskGroups {
			s.outcome.queued[tg.Name] = 0
			desired[tg.Name] = &structs.DesiredUpdates{}
		}
	}
	readySet := make(map[string]bool, len(ready))
	for _, n := range ready {
		readySet[n.ID] = true
	}

	// Existing allocations: stop, keep or update.
	sorted := append([]*structs.Allocation(nil), allocs...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].NodeID != sorted[j].NodeID {
			return sorted[i].NodeID < sorted[j].NodeID
		}
		return sorted[i].ID < sorted[j].ID
	})
	have := map[string]bool{} // node + "\x00" + group with a live or finished allocation
	var destructive []systemPlacement
	for _, a := range sorted {
		du := desired[a.TaskGroup]
		if du == nil {
			du = &structs.DesiredUpdates{}
			desired[a.TaskGroup] = du
		}
		key := a.NodeID + "\x00" + a.TaskGroup
		if a.DesiredStatus != structs.AllocDesiredStatusRun {
			continue
		}
		var tg *structs.TaskGroup
		if !stopped {
			tg = job.LookupTaskGroup(a.TaskGroup)
		}
		if a.ClientTerminalStatus() {
			// sysbatch does not rerun what finished for this version.
			if s.sysbatch && tg != nil && a.Job != nil && a.Job.CreateIndex == job.CreateIndex && a.Job.JobModifyIndex == job.JobModifyIndex &&
				a.ClientStatus != structs.AllocClientStatusLost {
				have[key] = true
			}
			continue
		}
		n, known := nodes[a.NodeID]
		taint := taintOf(n, known)
		switch {
		case tg == nil:
			status := ""
			if taint == nodeLost {
				status = structs.AllocClientStatusLost
			}
			desc := descNotNeeded
			if stopped {
				desc = descJobStopped
			}
			ctx.appendStop(a, desc, status)
			du.Stop++
		case taint == nodeLost || a.ClientStatus == structs.AllocClientStatusLost || a.ClientStatus == structs.AllocClientStatusUnknown:
			ctx.appendStop(a, descLost, structs.AllocClientStatusLost)
			du.Stop++
		case taint == nodeDraining && !(n.DrainStrategy != nil && n.DrainStrategy.IgnoreSystemJobs) && migrateNow(a, n, ctx.now),
			taint == nodeOK && a.DesiredTransition.Migrate:
			// A marked allocation on a node that is not draining (`alloc
			// stop`) is stopped; the node gets a fresh one below.
			ctx.appendStop(a, descMigrating, "")
			du.Migrate++
		case have[key]:
			ctx.appendStop(a, descNotNeeded, "")
			du.Stop++
		case !s.nodeStillFits(st, job, n, tg):
			ctx.appendStop(a, descNotNeeded, "")
			du.Stop++
		default:
			have[key] = true
			switch classifyUpdate(a.Job, job, tg.Name) {
			case updateNone:
				du.Ignore++
			case updateInPlace:
				u := *a
				u.Job = job
				u.EvalID = eval.ID
				ctx.appendUpdate(&u)
				du.InPlaceUpdate++
			case updateDestructive:
				destructive = append(destructive, systemPlacement{node: n, tg: tg, previous: a})
			}
		}
	}

	var places []systemPlacement
	if !stopped {
		places = s.limitDestructive(ctx, job, destructive, desired)
		for _, tg := range job.TaskGroups {
			for _, n := range ready {
				if !have[n.ID+"\x00"+tg.Name] {
					places = append(places, systemPlacement{node: n, tg: tg})
				}
			}
		}
		s.placeAll(ctx, st, job, places, desired, byDC, inPool)
	}

	if eval.AnnotatePlan {
		plan.Annotations = &structs.PlanAnnotations{DesiredTGUpdates: desired}
	}
	if plan.IsNoOp() && len(plan.NodePreemptions) == 0 && !eval.AnnotatePlan {
		return true, nil
	}
	done, newState, err := submitPlan(s.planner, plan)
	if err != nil {
		return false, err
	}
	if !done {
		s.state = newState
	}
	return done, nil
}

// nodeStillFits reports whether an existing allocation's node still
// belongs to the job: ready or merely ineligible, in its datacenters and
// pool, meeting its drivers and constraints.
func (s *SystemScheduler) nodeStillFits(st *stack, job *structs.Job, n *structs.Node, tg *structs.TaskGroup) bool {
	if n == nil || !datacenterMatches(job.Datacenters, n.Datacenter) {
		return false
	}
	pool := job.NodePool
	if pool == "" {
		pool = structs.DefaultNodePool
	}
	if pool != "all" && n.NodePool != pool {
		return false
	}
	st.setGroup(st.group(tg), nil)
	ok, _ := st.feasibility.check(n)
	return ok
}

// limitDestructive stops and re-places up to max_parallel destructively
// updated allocations per group; for the rest it creates a follow-up
// evaluation due after the group's stagger.
func (s *SystemScheduler) limitDestructive(ctx *evalContext, job *structs.Job, updates []systemPlacement, desired map[string]*structs.DesiredUpdates) []systemPlacement {
	var out []systemPlacement
	taken := map[string]int{}
	deferred := false
	var stagger time.Duration
	for _, u := range updates {
		limit := len(updates)
		if u.tg.Update != nil && u.tg.Update.MaxParallel > 0 {
			limit = u.tg.Update.MaxParallel
		}
		if taken[u.tg.Name] >= limit {
			desired[u.tg.Name].Ignore++
			deferred = true
			if u.tg.Update != nil && u.tg.Update.Stagger > stagger {
				stagger = u.tg.Update.Stagger
			}
			continue
		}
		taken[u.tg.Name]++
		ctx.appendStop(u.previous, descUpdating, "")
		desired[u.tg.Name].DestructiveUpdate++
		out = append(out, u)
	}
	if deferred {
		now := ctx.now.UnixNano()
		e := &structs.Evaluation{
			ID:             ctx.newID(),
			Namespace:      job.Namespace,
			Priority:       s.eval.Priority,
			Type:           job.Type,
			TriggeredBy:    structs.EvalTriggerRollingUpdate,
			JobID:          job.ID,
			JobModifyIndex: job.JobModifyIndex,
			Status:         structs.EvalStatusPending,
			PreviousEval:   s.eval.ID,
			WaitUntil:      ctx.now.Add(stagger),
			CreateTime:     now,
			ModifyTime:     now,
		}
		if err := s.planner.CreateEval(e); err != nil {
			s.logger.Error("create rolling update follow-up", "eval_id", s.eval.ID, "error", err)
		}
	}
	return out
}

// placeAll tries every placement on its own node. A node the group
// cannot use is skipped; one without room is a failed placement, whose
// metrics add up per group.
func (s *SystemScheduler) placeAll(ctx *evalContext, st *stack, job *structs.Job, places []systemPlacement, desired map[string]*structs.DesiredUpdates, byDC map[string]int, inPool int) {
	failed := map[string]*structs.AllocMetric{}
	for _, p := range places {
		ctx.resetMetrics()
		option := st.SelectOn(p.node, p.tg)
		ctx.metrics.NodesAvailable = byDC
		ctx.metrics.NodesInPool = inPool
		if option == nil {
			if p.previous != nil {
				ctx.undoStop(p.previous)
			}
			if ctx.metrics.NodesExhausted == 0 {
				continue // filtered: this node is not for the group
			}
			s.outcome.queued[p.tg.Name]++
			if m, ok := failed[p.tg.Name]; ok {
				mergeMetric(m, ctx.metrics)
				m.CoalescedFailures++
			} else {
				failed[p.tg.Name] = ctx.metrics
			}
			continue
		}
		pl := placement{name: structs.AllocName(job.ID, p.tg.Name, 0), tg: p.tg, kind: placeNew, previous: p.previous}
		a := newAllocation(ctx, job, pl, option)
		for _, e := range option.preempted {
			ctx.appendPreemption(e, a.ID)
			a.PreemptedAllocations = append(a.PreemptedAllocations, e.ID)
		}
		desired[p.tg.Name].Preemptions += uint64(len(option.preempted))
		if p.previous == nil {
			desired[p.tg.Name].Place++
		}
		ctx.appendPlacement(a, option.node)
	}
	if len(failed) > 0 {
		s.outcome.failedTGAllocs = failed
		s.outcome.classElig, s.outcome.escaped = st.classEligibility()
	}
}

// mergeMetric adds the counts of b into a.
func mergeMetric(a, b *structs.AllocMetric) {
	a.NodesEvaluated += b.NodesEvaluated
	a.NodesFiltered += b.NodesFiltered
	a.NodesExhausted += b.NodesExhausted
	addCounts(&a.ClassFiltered, b.ClassFiltered)
	addCounts(&a.ConstraintFiltered, b.ConstraintFiltered)
	addCounts(&a.ClassExhausted, b.ClassExhausted)
	addCounts(&a.DimensionExhausted, b.DimensionExhausted)
}

func addCounts(dst *map[string]int, src map[string]int) {
	if len(src) == 0 {
		return
	}
	if *dst == nil {
		*dst = map[string]int{}
	}
	for k, v := range src {
		(*dst)[k] += v
	}
}
