package api

import (
	"errors"
	"time"
)

// Diff types of JobDiff, TaskGroupDiff, TaskDiff, ObjectDiff and FieldDiff.
const (
	DiffTypeNone    = "None"
	DiffTypeAdded   = "Added"
	DiffTypeDeleted = "Deleted"
	DiffTypeEdited  = "Edited"
)

// errJobIDRequired is returned by calls that address a job by the ID inside
// the job they are given.
var errJobIDRequired = errors.New("job has no ID; set Job.ID")

// JobPlanRequest is the body of PUT /v1/job/:id/plan.
type JobPlanRequest struct {
	Job            *Job
	Diff           bool
	PolicyOverride bool
}

// JobPlanResponse is the scheduler's dry run of a job: what would change
// and whether everything could be placed. JobModifyIndex is the index to
// give `job run -check-index` so that the run only goes ahead if nobody
// changed the job in between.
type JobPlanResponse struct {
	JobModifyIndex     uint64
	CreatedEvals       []*Evaluation
	Diff               *JobDiff
	Annotations        *PlanAnnotations
	FailedTGAllocs     map[string]*AllocationMetric
	NextPeriodicLaunch time.Time
	Warnings           string
}

// PlanAnnotations is what the scheduler would do, per task group.
type PlanAnnotations struct {
	DesiredTGUpdates map[string]*DesiredUpdates
	PreemptedAllocs  []*AllocationListStub
}

// DesiredUpdates counts the allocations of one task group by what the
// scheduler would do with them.
type DesiredUpdates struct {
	Ignore            uint64
	Place             uint64
	Migrate           uint64
	Stop              uint64
	InPlaceUpdate     uint64
	DestructiveUpdate uint64
	Canary            uint64
	Preemptions       uint64
}

// Plan asks the scheduler what registering job would do, without changing
// anything. With diff the answer carries the difference from the job
// currently registered.
func (j *Jobs) Plan(job *Job, diff bool, w *WriteOptions) (*JobPlanResponse, *WriteMeta, error) {
	return j.PlanOpts(job, &PlanOptions{Diff: diff}, w)
}

// PlanOptions tune a plan.
type PlanOptions struct {
	Diff           bool
	PolicyOverride bool
}

// PlanOpts is Plan with every option.
func (j *Jobs) PlanOpts(job *Job, opts *PlanOptions, w *WriteOptions) (*JobPlanResponse, *WriteMeta, error) {
	if job == nil || job.ID == "" {
		return nil, nil, errJobIDRequired
	}
	if opts == nil {
		opts = &PlanOptions{}
	}
	req := &JobPlanRequest{Job: job, Diff: opts.Diff, PolicyOverride: opts.PolicyOverride}
	var resp JobPlanResponse
	wm, err := j.client.put(jobPath(job.ID, "/plan"), req, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}
