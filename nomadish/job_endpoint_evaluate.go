package nomadish

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Evaluate creates a new evaluation of a job, so the scheduler looks at
// it again. Periodic and parameterized parents are templates with nothing
// to schedule, and are refused.
//
// EvalOptions.ForceReschedule is accepted but has no effect until
// allocations carry a desired transition (the scheduler issue).
func (j *Job) Evaluate(args *structs.JobEvaluateRequest, reply *structs.JobRegisterResponse) error {
	if done, err := j.srv.forward("Job.Evaluate", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return invalid("JobID", "required")
	}
	ns := args.RequestNamespace()
	job, err := j.srv.State().JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if job == nil {
		return jobNotFound(ns, args.JobID)
	}
	switch {
	case job.IsPeriodic():
		return invalid("JobID", "job %q is periodic: its children are evaluated when launched; use job periodic force to launch one now", job.ID)
	case job.IsParameterized():
		return invalid("JobID", "job %q is parameterized: its children are evaluated when dispatched; use job dispatch", job.ID)
	}
	eval := newJobEval(job, structs.EvalTriggerJobRegister, j.srv.clock().Now().UnixNano())
	req := &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{eval}, WriteRequest: args.WriteRequest}
	_, index, err := j.srv.raftApply(structs.EvalUpdateRequestType, req)
	if err != nil {
		return fmt.Errorf("evaluate job %q: %w", job.ID, err)
	}
	reply.EvalID = eval.ID
	reply.EvalCreateIndex = index
	reply.JobModifyIndex = job.JobModifyIndex
	reply.Index = index
	return nil
}

// newJobEval builds a pending evaluation of job.
func newJobEval(job *structs.Job, triggeredBy string, now int64) *structs.Evaluation {
	return &structs.Evaluation{
		ID:             uuid.NewString(),
		Namespace:      job.Namespace,
		Priority:       job.Priority,
		Type:           job.Type,
		TriggeredBy:    triggeredBy,
		JobID:          job.ID,
		JobModifyIndex: job.JobModifyIndex,
		Status:         structs.EvalStatusPending,
		CreateTime:     now,
		ModifyTime:     now,
	}
}
