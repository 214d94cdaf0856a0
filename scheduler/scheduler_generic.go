package scheduler

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Plan attempts before an evaluation gives up and leaves a blocked
// evaluation to retry on fresher state.
const (
	maxServiceScheduleAttempts = 5
	maxBatchScheduleAttempts   = 5
)

// GenericScheduler schedules service and batch jobs: it reconciles the
// job's groups with their allocations, places what is missing through the
// stack and submits one plan.
type GenericScheduler struct {
	logger  hclog.Logger
	state   State
	planner Planner
	batch   bool

	eval    *structs.Evaluation
	ctx     *evalContext
	outcome *outcome
}

// NewServiceScheduler is the Factory of the service scheduler.
func NewServiceScheduler(logger hclog.Logger, state State, planner Planner) Scheduler {
	return &GenericScheduler{logger: namedLogger(logger, "service_sched"), state: state, planner: planner}
}

// NewBatchScheduler is the Factory of the batch scheduler.
func NewBatchScheduler(logger hclog.Logger, state State, planner Planner) Scheduler {
	return &GenericScheduler{logger: namedLogger(logger, "batch_sched"), state: state, planner: planner, batch: true}
}

func namedLogger(l hclog.Logger, name string) hclog.Logger {
	if l == nil {
		return hclog.NewNullLogger()
	}
	return l.Named(name)
}

// Process reconciles and places the evaluation's job, retrying on fresher
// state when the plan applier commits only part of a plan.
func (s *GenericScheduler) Process(eval *structs.Evaluation) error {
	s.eval = eval
	limit := maxServiceScheduleAttempts
	if s.batch {
		limit = maxBatchScheduleAttempts
	}
	done, err := runAttempts(limit, s.attempt)
	if err != nil {
		return failEval(s.planner, eval, err)
	}
	return finishEval(s.ctx, s.planner, eval, s.outcome, done, limit)
}

// attempt is one pass: read state, reconcile, place, submit.
func (s *GenericScheduler) attempt() (bool, error) {
	eval := s.eval
	job, err := s.state.JobByID(nil, eval.Namespace, eval.JobID)
	if err != nil {
		return false, fmt.Errorf("job %q: %w", eval.JobID, err)
	}
	allocs, err := s.state.AllocsByJob(nil, eval.Namespace, eval.JobID, true)
	if err != nil {
		return false, fmt.Errorf("allocations of job %q: %w", eval.JobID, err)
	}
	var deployment *structs.Deployment
	if job != nil && !s.batch {
		if deployment, err = s.state.LatestDeploymentByJobID(nil, eval.Namespace, eval.JobID); err != nil {
			return false, fmt.Errorf("deployment of job %q: %w", eval.JobID, err)
		}
	}
	nodes, err := allocNodes(s.state, allocs)
	if err != nil {
		return false, err
	}

	plan := &structs.Plan{EvalID: eval.ID, Priority: eval.Priority, Job: job}
	if job != nil {
		plan.AllAtOnce = job.AllAtOnce
	}
	ctx := newEvalContext(s.state, plan, eval, s.logger, schedulerConfig(s.state))
	s.ctx = ctx
	s.outcome = &outcome{queued: map[string]int{}}
	if job != nil {
		for _, tg := range job.TaskGroups {
			s.outcome.queued[tg.Name] = 0
		}
	}

	r := &reconciler{job: job, batch: s.batch, allocs: allocs, nodes: nodes, deployment: deployment, eval: eval, now: ctx.now, newID: ctx.newID}
	res := r.compute()

	for _, st := range res.stop {
		ctx.appendStop(st.alloc, st.desc, st.clientStatus)
	}
	for _, a := range res.inplace {
		ctx.appendUpdate(a)
	}
	for _, a := range res.attributeUpdates {
		ctx.appendUpdate(a)
	}
	for _, e := range res.followups {
		if err := s.planner.CreateEval(e); err != nil {
			return false, fmt.Errorf("create follow-up evaluation: %w", err)
		}
	}
	plan.Deployment = res.deployment
	plan.DeploymentUpdates = res.deploymentUpdates

	if len(res.place) > 0 && job != nil && !job.Stop {
		if err := s.placeAll(ctx, job, res); err != nil {
			return false, err
		}
	}
	if eval.AnnotatePlan {
		plan.Annotations = &structs.PlanAnnotations{DesiredTGUpdates: res.desired}
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

// allocNodes looks up the node of every allocation; a node that is gone
// maps to nil.
func allocNodes(state State, allocs []*structs.Allocation) (map[string]*structs.Node, error) {
	nodes := map[string]*structs.Node{}
	for _, a := range allocs {
		if _, ok := nodes[a.NodeID]; ok {
			continue
		}
		n, err := state.NodeByID(nil, a.NodeID)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", a.NodeID, err)
		}
		nodes[a.NodeID] = n
	}
	return nodes, nil
}

// placeAll finds a node for every placement. Once a group fails to place,
// its remaining placements are counted as coalesced failures without
// searching again. A replacement that cannot be placed keeps the
// allocation it would have replaced running, except a lost one.
func (s *GenericScheduler) placeAll(ctx *evalContext, job *structs.Job, res *reconcileResult) error {
	nodes, byDC, inPool, err := readyNodes(ctx.state, job)
	if err != nil {
		return err
	}
	st := newStack(ctx, job, nodes)
	deploymentID := ""
	if res.deployment != nil {
		deploymentID = res.deployment.ID
	}
	failed := map[string]*structs.AllocMetric{}
	ready := readyByID(nodes)
	for _, p := range res.place {
		if m, ok := failed[p.tg.Name]; ok {
			m.CoalescedFailures++
			s.outcome.queued[p.tg.Name]++
			s.undoReplacedStop(ctx, p)
			continue
		}
		ctx.resetMetrics()
		option := s.stickySelect(ctx, job, p, ready) // sticky.go
		if option == nil {
			option = st.Select(p.tg, penaltyNodes(p))
		}
		ctx.metrics.NodesAvailable = byDC
		ctx.metrics.NodesInPool = inPool
		if option == nil {
			failed[p.tg.Name] = ctx.metrics
			s.outcome.queued[p.tg.Name]++
			s.undoReplacedStop(ctx, p)
			continue
		}
		a := newAllocation(ctx, job, p, option)
		if deploymentID != "" && p.tg.Update != nil && p.tg.Update.MaxParallel > 0 && job.Type == structs.JobTypeService {
			a.DeploymentID = deploymentID
		}
		for _, e := range option.preempted {
			ctx.appendPreemption(e, a.ID)
			a.PreemptedAllocations = append(a.PreemptedAllocations, e.ID)
		}
		if du := res.desired[p.tg.Name]; du != nil {
			du.Preemptions += uint64(len(option.preempted))
		}
		ctx.appendPlacement(a, option.node)
	}
	if len(failed) > 0 {
		explainFailures(failed, func(name string) *groupInfo {
			if tg := job.LookupTaskGroup(name); tg != nil {
				return st.group(tg)
			}
			return nil
		}, nodes)
		s.outcome.failedTGAllocs = failed
		s.outcome.classElig, s.outcome.escaped = st.classEligibility()
	}
	return nil
}

// undoReplacedStop takes back the stop of the allocation a failed
// placement would have replaced: a destructive update, migration or
// reschedule that cannot happen leaves the old allocation as it was.
func (s *GenericScheduler) undoReplacedStop(ctx *evalContext, p placement) {
	switch p.kind {
	case placeDestructive, placeMigrate, placeReschedule:
		ctx.undoStop(p.previous)
	}
}

// penaltyNodes are the nodes a rescheduled allocation failed on.
func penaltyNodes(p placement) map[string]bool {
	if p.kind != placeReschedule || p.previous == nil {
		return nil
	}
	out := map[string]bool{p.previous.NodeID: true}
	if t := p.previous.RescheduleTracker; t != nil {
		for _, e := range t.Events {
			out[e.PrevNodeID] = true
		}
	}
	return out
}

// newAllocation builds the allocation a placement makes on the chosen
// node.
func newAllocation(ctx *evalContext, job *structs.Job, p placement, option *rankedNode) *structs.Allocation {
	now := ctx.now.UnixNano()
	a := &structs.Allocation{
		ID:                 ctx.newID(),
		Namespace:          job.Namespace,
		EvalID:             ctx.eval.ID,
		Name:               p.name,
		NodeID:             option.node.ID,
		NodeName:           option.node.Name,
		JobID:              job.ID,
		Job:                job,
		TaskGroup:          p.tg.Name,
		AllocatedResources: option.resources,
		Metrics:            ctx.metrics,
		DesiredStatus:      structs.AllocDesiredStatusRun,
		ClientStatus:       structs.AllocClientStatusPending,
		CreateTime:         now,
		ModifyTime:         now,
	}
	if p.previous != nil {
		a.PreviousAllocation = p.previous.ID
	}
	if p.kind == placeReschedule {
		a.RescheduleTracker = nextTracker(p.previous, p.tg.ReschedulePolicy, ctx.now, p.delay)
	}
	if p.kind == placeCanary {
		a.DeploymentStatus = &structs.AllocDeploymentStatus{Canary: true}
	}
	return a
}
