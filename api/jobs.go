package api

import (
	"net/url"
	"strings"
	"time"
)

// Job types.
const (
	JobTypeService  = "service"
	JobTypeBatch    = "batch"
	JobTypeSystem   = "system"
	JobTypeSysBatch = "sysbatch"
)

// Job is a declaration of work: groups of tasks and where and how to run
// them. SubmitTime is Unix nanoseconds.
type Job struct {
	ID                string
	ParentID          string
	Name              string
	Namespace         string
	Region            string
	Type              string
	Priority          int
	AllAtOnce         bool
	Datacenters       []string
	NodePool          string
	Constraints       []*Constraint
	Affinities        []*Affinity
	Spreads           []*Spread
	TaskGroups        []*TaskGroup
	Update            *UpdateStrategy
	Periodic          *PeriodicConfig
	ParameterizedJob  *ParameterizedJobConfig
	Meta              map[string]string
	Reschedule        *ReschedulePolicy `json:",omitempty"`
	Migrate           *MigrateStrategy  `json:",omitempty"`
	UI                *JobUIConfig      `json:",omitempty"`
	Multiregion       *Multiregion      `json:",omitempty"`
	Stop              bool
	Status            string
	StatusDescription string
	Stable            bool
	Version           uint64
	SubmitTime        int64
	CreateIndex       uint64
	ModifyIndex       uint64
	JobModifyIndex    uint64
}

// IsPeriodic reports whether the job launches children on a schedule.
func (j *Job) IsPeriodic() bool { return j.Periodic != nil && j.Periodic.Enabled }

// IsParameterized reports whether the job is a template for dispatch.
func (j *Job) IsParameterized() bool { return j.ParameterizedJob != nil }

// UpdateStrategy says how a new version of a group replaces the old one.
type UpdateStrategy struct {
	Stagger          time.Duration
	MaxParallel      int
	HealthCheck      string
	MinHealthyTime   time.Duration
	HealthyDeadline  time.Duration
	ProgressDeadline time.Duration
	AutoRevert       bool
	AutoPromote      bool
	Canary           int
}

// PeriodicConfig launches a child job on a cron Spec.
type PeriodicConfig struct {
	Enabled         bool
	Spec            string
	Specs           []string `json:",omitempty"`
	SpecType        string
	ProhibitOverlap bool
	TimeZone        string
}

// ParameterizedJobConfig makes a job a template that is dispatched with a
// payload and metadata.
type ParameterizedJobConfig struct {
	Payload      string
	MetaRequired []string
	MetaOptional []string
}

// JobListStub is a job as listed by GET /v1/jobs.
type JobListStub struct {
	ID                string
	ParentID          string
	Name              string
	Namespace         string
	Datacenters       []string
	NodePool          string
	Type              string
	Priority          int
	Periodic          bool
	ParameterizedJob  bool
	Stop              bool
	Status            string
	StatusDescription string
	JobSummary        *JobSummary
	CreateIndex       uint64
	ModifyIndex       uint64
	JobModifyIndex    uint64
	SubmitTime        int64
}

// JobSummary counts a job's allocations by task group and state.
type JobSummary struct {
	JobID       string
	Namespace   string
	Summary     map[string]TaskGroupSummary
	Children    *JobChildrenSummary
	CreateIndex uint64
	ModifyIndex uint64
}

// TaskGroupSummary counts one group's allocations by state.
type TaskGroupSummary struct {
	Queued   int
	Complete int
	Failed   int
	Running  int
	Starting int
	Lost     int
	Unknown  int
}

// JobChildrenSummary counts the children of a periodic or parameterized job.
type JobChildrenSummary struct {
	Pending int64
	Running int64
	Dead    int64
}

// JobRegisterRequest is the body of PUT /v1/jobs. With EnforceIndex the
// server registers the job only if its current JobModifyIndex equals
// JobModifyIndex (zero: only if the job does not exist).
type JobRegisterRequest struct {
	Job            *Job
	EnforceIndex   bool
	JobModifyIndex uint64
	PolicyOverride bool
}

// JobRegisterResponse answers a registration.
type JobRegisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	Warnings        string
}

// JobDeregisterResponse answers a deregistration.
type JobDeregisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
}

// JobVersionsResponse answers GET /v1/job/:id/versions, newest first.
type JobVersionsResponse struct {
	Versions []*Job
	Diffs    []*JobDiff
}

// JobDiff is the difference between two versions of a job.
type JobDiff struct {
	Type       string
	ID         string
	Fields     []*FieldDiff
	Objects    []*ObjectDiff
	TaskGroups []*TaskGroupDiff
}

// TaskGroupDiff is the difference of one task group between versions.
type TaskGroupDiff struct {
	Type    string
	Name    string
	Fields  []*FieldDiff
	Objects []*ObjectDiff
	Tasks   []*TaskDiff
	Updates map[string]uint64
}

// TaskDiff is the difference of one task between versions.
type TaskDiff struct {
	Type        string
	Name        string
	Fields      []*FieldDiff
	Objects     []*ObjectDiff
	Annotations []string
}

// ObjectDiff is the difference of a nested object between versions.
type ObjectDiff struct {
	Type    string
	Name    string
	Fields  []*FieldDiff
	Objects []*ObjectDiff
}

// FieldDiff is the difference of one scalar field between versions.
type FieldDiff struct {
	Type        string
	Name        string
	Old, New    string
	Annotations []string
}

// Jobs is the /v1/jobs and /v1/job/:id endpoints.
type Jobs struct{ client *Client }

// Jobs returns the job endpoints.
func (c *Client) Jobs() *Jobs { return &Jobs{client: c} }

func jobPath(id string, rest string) string {
	return "/v1/job/" + url.PathEscape(id) + rest
}

// Register creates or updates job.
func (j *Jobs) Register(job *Job, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	return j.RegisterOpts(&JobRegisterRequest{Job: job}, w)
}

// EnforceRegister registers job only if its current JobModifyIndex is
// modifyIndex; zero means only if the job does not exist yet.
func (j *Jobs) EnforceRegister(job *Job, modifyIndex uint64, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	return j.RegisterOpts(&JobRegisterRequest{Job: job, EnforceIndex: true, JobModifyIndex: modifyIndex}, w)
}

// RegisterOpts sends a full registration request.
func (j *Jobs) RegisterOpts(req *JobRegisterRequest, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	var resp JobRegisterResponse
	wm, err := j.client.put("/v1/jobs", req, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// List lists jobs, filtered by q.Prefix when set.
func (j *Jobs) List(q *QueryOptions) ([]*JobListStub, *QueryMeta, error) {
	var resp []*JobListStub
	qm, err := j.client.query("/v1/jobs", &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// PrefixList lists jobs whose ID starts with prefix.
func (j *Jobs) PrefixList(prefix string) ([]*JobListStub, *QueryMeta, error) {
	return j.List(&QueryOptions{Prefix: prefix})
}

// Info reads one job by exact ID.
func (j *Jobs) Info(id string, q *QueryOptions) (*Job, *QueryMeta, error) {
	var resp Job
	qm, err := j.client.query(jobPath(id, ""), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}

// Deregister stops a job; purge also removes it from the state store.
func (j *Jobs) Deregister(id string, purge bool, w *WriteOptions) (*JobDeregisterResponse, *WriteMeta, error) {
	return j.DeregisterOpts(id, &DeregisterOptions{Purge: purge}, w)
}

// DeregisterOptions are the options of DeregisterOpts.
type DeregisterOptions struct {
	// Purge removes the job and its history instead of stopping it.
	Purge bool
	// Global stops a multiregion job in every region of its multiregion
	// block.
	Global bool
}

// DeregisterOpts stops (or purges) a job with the options given.
func (j *Jobs) DeregisterOpts(id string, opts *DeregisterOptions, w *WriteOptions) (*JobDeregisterResponse, *WriteMeta, error) {
	path := jobPath(id, "")
	var params []string
	if opts != nil && opts.Purge {
		params = append(params, "purge=true")
	}
	if opts != nil && opts.Global {
		params = append(params, "global=true")
	}
	if len(params) > 0 {
		path += "?" + strings.Join(params, "&")
	}
	var resp JobDeregisterResponse
	wm, err := j.client.delete(path, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// Versions lists the stored versions of a job, newest first, with the diffs
// between consecutive versions when diffs is true.
func (j *Jobs) Versions(id string, diffs bool, q *QueryOptions) (*JobVersionsResponse, *QueryMeta, error) {
	path := jobPath(id, "/versions")
	if diffs {
		path += "?diffs=true"
	}
	var resp JobVersionsResponse
	qm, err := j.client.query(path, &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}

// Allocations lists a job's allocations.
func (j *Jobs) Allocations(id string, q *QueryOptions) ([]*AllocationListStub, *QueryMeta, error) {
	var resp []*AllocationListStub
	qm, err := j.client.query(jobPath(id, "/allocations"), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Evaluations lists a job's evaluations.
func (j *Jobs) Evaluations(id string, q *QueryOptions) ([]*Evaluation, *QueryMeta, error) {
	var resp []*Evaluation
	qm, err := j.client.query(jobPath(id, "/evaluations"), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Summary reads a job's allocation counts per task group.
func (j *Jobs) Summary(id string, q *QueryOptions) (*JobSummary, *QueryMeta, error) {
	var resp JobSummary
	qm, err := j.client.query(jobPath(id, "/summary"), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}

// LatestDeployment reads the newest deployment of a job; nil when it has
// none.
func (j *Jobs) LatestDeployment(jobID string, q *QueryOptions) (*Deployment, *QueryMeta, error) {
	var resp *Deployment
	qm, err := j.client.query(jobPath(jobID, "/deployment"), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}
