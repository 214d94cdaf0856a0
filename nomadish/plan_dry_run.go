package nomadish

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

// schedulerFactory returns the scheduler of a job type: the config's
// override (tests) or the builtin.
func (s *Server) schedulerFactory(jobType string) (scheduler.Factory, bool) {
	if f, ok := s.config.SchedulerFactories[jobType]; ok {
		return f, true
	}
	f, ok := scheduler.BuiltinSchedulers[jobType]
	return f, ok
}

// dryRunPlanner is the Planner of a dry run: it records the plan, the
// evaluation update and the evaluations the scheduler would create, and
// commits nothing. Every plan "commits" in full.
type dryRunPlanner struct {
	plan    *structs.Plan
	update  *structs.Evaluation
	created []*structs.Evaluation
}

func (p *dryRunPlanner) SubmitPlan(plan *structs.Plan) (*structs.PlanResult, scheduler.State, error) {
	p.plan = plan
	return &structs.PlanResult{
		NodeUpdate:        plan.NodeUpdate,
		NodeAllocation:    plan.NodeAllocation,
		NodePreemptions:   plan.NodePreemptions,
		Deployment:        plan.Deployment,
		DeploymentUpdates: plan.DeploymentUpdates,
	}, nil, nil
}

func (p *dryRunPlanner) UpdateEval(e *structs.Evaluation) error { p.update = e; return nil }

func (p *dryRunPlanner) CreateEval(e *structs.Evaluation) error {
	p.created = append(p.created, e)
	return nil
}

func (p *dryRunPlanner) ReblockEval(e *structs.Evaluation) error { p.update = e; return nil }

// planDryRun runs the job type's scheduler over a private copy of the
// state in which job is registered, with AnnotatePlan set and a planner
// that commits nothing. It returns what the scheduler would do.
func (s *Server) planDryRun(job *structs.Job) (out *dryRunPlanner, err error) {
	factory, ok := s.schedulerFactory(job.Type)
	if !ok {
		return nil, fmt.Errorf("scheduler %q: %w", job.Type, scheduler.ErrUnknownScheduler)
	}
	snap, err := s.State().Snapshot()
	if err != nil {
		return nil, err
	}
	index, err := snap.LatestIndex()
	if err != nil {
		return nil, err
	}
	// The snapshot is a private copy: registering the job in it changes
	// nothing anyone else sees.
	if err := snap.UpsertJob(index+1, job.Copy()); err != nil {
		return nil, fmt.Errorf("register job in the dry-run snapshot: %w", err)
	}
	stored, err := snap.JobByID(nil, job.Namespace, job.ID)
	if err != nil || stored == nil {
		return nil, fmt.Errorf("job %q missing from the dry-run snapshot: %w", job.ID, err)
	}
	now := s.clock().Now().UnixNano()
	eval := &structs.Evaluation{
		ID:             uuid.NewString(),
		Namespace:      job.Namespace,
		Priority:       job.Priority,
		Type:           job.Type,
		TriggeredBy:    structs.EvalTriggerJobRegister,
		JobID:          job.ID,
		JobModifyIndex: stored.JobModifyIndex,
		Status:         structs.EvalStatusPending,
		AnnotatePlan:   true,
		SnapshotIndex:  index + 1,
		CreateTime:     now,
		ModifyTime:     now,
	}
	planner := &dryRunPlanner{}
	sched := factory(s.logger.Named("plan_dry_run"), snap, planner)
	defer func() {
		if r := recover(); r != nil {
			panics.Recovered(s.logger, "plan", "dry-run plan of job "+job.ID, r)
			out, err = nil, fmt.Errorf("%w: %v", errSchedulerPanic, r)
		}
	}()
	if err := sched.Process(eval); err != nil {
		return nil, err
	}
	return planner, nil
}
