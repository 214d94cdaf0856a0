package agent

import (
	"net/http"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobPlanBody is the body of PUT /v1/job/:id/plan.
type jobPlanBody struct {
	Job            *structs.Job
	Diff           bool
	PolicyOverride bool
}

// jobPlanResponse is what PUT /v1/job/:id/plan answers.
type jobPlanResponse struct {
	Index              uint64
	JobModifyIndex     uint64
	Diff               *structs.JobDiff
	Annotations        *structs.PlanAnnotations
	FailedTGAllocs     map[string]*structs.AllocMetric
	CreatedEvals       []*structs.Evaluation
	Warnings           string
	NextPeriodicLaunch time.Time
}

func (s *HTTPServer) jobPlan(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var body jobPlanBody
	if err := decodeJobBody(r, &body, func() *structs.Job { return body.Job }); err != nil {
		return nil, err
	}
	if body.Job == nil {
		return nil, badRequest(`Job: missing; the body must be {"Job": {...}, "Diff": true}`)
	}
	if id := r.PathValue("id"); body.Job.ID != id {
		return nil, badRequest("Job.ID: %q does not match the job ID %q in the path", body.Job.ID, id)
	}
	args := structs.JobPlanRequest{Job: body.Job, Diff: body.Diff, PolicyOverride: body.PolicyOverride}
	if err := s.routeByJob(r, body.Job, &args.WriteRequest); err != nil {
		return nil, err
	}
	var out structs.JobPlanResponse
	if err := s.backend.RPC("Job.Plan", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	if out.CreatedEvals == nil {
		out.CreatedEvals = []*structs.Evaluation{}
	}
	return jobPlanResponse{Index: out.Index, JobModifyIndex: out.JobModifyIndex, Diff: out.Diff,
		Annotations: out.Annotations, FailedTGAllocs: out.FailedTGAllocs, CreatedEvals: out.CreatedEvals,
		Warnings: out.Warnings, NextPeriodicLaunch: out.NextPeriodicLaunch}, nil
}
