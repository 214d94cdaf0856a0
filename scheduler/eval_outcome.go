package scheduler

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Evaluation status descriptions.
const (
	descBlockedEval   = "created to place remaining allocations"
	descMaxAttempts   = "maximum attempts reached (%d)"
	descPlanConflicts = "created due to placement conflicts"
)

// outcome is what one evaluation ends with, whichever scheduler ran it.
type outcome struct {
	failedTGAllocs map[string]*structs.AllocMetric
	queued         map[string]int
	classElig      map[string]bool
	escaped        bool
}

// schedulerConfig returns the operator's configuration when the state
// holds one, else the default.
func schedulerConfig(state State) *structs.SchedulerConfiguration {
	if cs, ok := state.(SchedulerConfigState); ok {
		if _, cfg, err := cs.SchedulerConfig(); err == nil && cfg != nil {
			return cfg
		}
	}
	return structs.DefaultSchedulerConfiguration()
}

// runAttempts calls attempt until it reports done, at most limit times,
// and reports whether it got there.
func runAttempts(limit int, attempt func() (bool, error)) (bool, error) {
	for i := 0; i < limit; i++ {
		done, err := attempt()
		if err != nil || done {
			return done, err
		}
	}
	return false, nil
}

// blockedEval is a new evaluation that waits, blocked, for capacity in
// one of the classes the job could use.
func blockedEval(eval *structs.Evaluation, id string, o *outcome, trigger, desc string, now int64) *structs.Evaluation {
	return &structs.Evaluation{
		ID:                   id,
		Namespace:            eval.Namespace,
		Priority:             eval.Priority,
		Type:                 eval.Type,
		TriggeredBy:          trigger,
		JobID:                eval.JobID,
		JobModifyIndex:       eval.JobModifyIndex,
		Status:               structs.EvalStatusBlocked,
		StatusDescription:    desc,
		PreviousEval:         eval.ID,
		ClassEligibility:     o.classElig,
		EscapedComputedClass: o.escaped || trigger == structs.EvalTriggerMaxPlans,
		QuotaLimitReached:    "",
		CreateTime:           now,
		ModifyTime:           now,
	}
}

// finishEval records how the evaluation ended: when placements failed it
// creates a blocked evaluation (or, for an evaluation that was itself
// blocked, re-blocks it), then marks the evaluation complete with its
// failed and queued allocations. When the plan attempts ran out it
// creates a blocked evaluation to retry on fresher state and marks the
// evaluation failed.
func finishEval(ctx *evalContext, planner Planner, eval *structs.Evaluation, o *outcome, done bool, attempts int) error {
	now := ctx.now.UnixNano()
	update := *eval
	update.FailedTGAllocs = o.failedTGAllocs
	update.QueuedAllocations = o.queued
	update.ModifyTime = now
	if !done {
		b := blockedEval(eval, ctx.newID(), o, structs.EvalTriggerMaxPlans, descPlanConflicts, now)
		if err := planner.CreateEval(b); err != nil {
			return fmt.Errorf("create follow-up of evaluation %q: %w", eval.ID, err)
		}
		update.BlockedEval = b.ID
		update.Status = structs.EvalStatusFailed
		update.StatusDescription = fmt.Sprintf(descMaxAttempts, attempts)
		return updateEval(planner, &update)
	}
	if len(o.failedTGAllocs) > 0 {
		if eval.Status == structs.EvalStatusBlocked {
			reblock := update
			reblock.ClassEligibility = o.classElig
			reblock.EscapedComputedClass = o.escaped
			if err := planner.ReblockEval(&reblock); err != nil {
				return fmt.Errorf("reblock evaluation %q: %w", eval.ID, err)
			}
			return nil
		}
		b := blockedEval(eval, ctx.newID(), o, structs.EvalTriggerQueuedAllocs, descBlockedEval, now)
		if err := planner.CreateEval(b); err != nil {
			return fmt.Errorf("create blocked evaluation for %q: %w", eval.ID, err)
		}
		update.BlockedEval = b.ID
	}
	update.Status = structs.EvalStatusComplete
	update.StatusDescription = ""
	return updateEval(planner, &update)
}

// failEval marks the evaluation failed with err.
func failEval(planner Planner, eval *structs.Evaluation, err error) error {
	update := *eval
	update.Status = structs.EvalStatusFailed
	update.StatusDescription = err.Error()
	if uerr := planner.UpdateEval(&update); uerr != nil {
		return fmt.Errorf("%w (and marking the evaluation failed: %v)", err, uerr)
	}
	return err
}

func updateEval(planner Planner, e *structs.Evaluation) error {
	if err := planner.UpdateEval(e); err != nil {
		return fmt.Errorf("update evaluation %q: %w", e.ID, err)
	}
	return nil
}

// submitPlan submits the plan and reports whether everything was
// committed; on a partial commit it returns the fresher state to retry on.
func submitPlan(planner Planner, plan *structs.Plan) (bool, State, error) {
	result, newState, err := planner.SubmitPlan(plan)
	if err != nil {
		return false, nil, fmt.Errorf("submit plan of evaluation %q: %w", plan.EvalID, err)
	}
	if result != nil && result.RefreshIndex != 0 {
		if newState == nil {
			return false, nil, ErrNoState
		}
		return false, newState, nil
	}
	return true, nil, nil
}
