package structs

import "time"

// DispatchPayloadSizeLimit bounds the payload of a dispatched job.
const DispatchPayloadSizeLimit = 16 << 10

// Child job ID parts: a dispatched child is "<parent>/dispatch-<unix>-<8
// hex>" (with an IdPrefixTemplate, "<parent>/dispatch-<template>-<unix>-<8
// hex>"), a periodic child "<parent>/periodic-<unix>".
const (
	DispatchLaunchSuffix = "/dispatch-"
	PeriodicLaunchSuffix = "/periodic-"
)

// JobPlanRequest asks what registering Job would do, without doing it.
type JobPlanRequest struct {
	Job            *Job
	Diff           bool
	PolicyOverride bool
	WriteRequest
}

// JobPlanResponse is a dry run: the diff against the registered version,
// what would happen to each group's allocations, and the JobModifyIndex
// to pass as `job run -check-index` so the run only goes ahead if nobody
// changed the job in between.
type JobPlanResponse struct {
	Annotations        *PlanAnnotations
	FailedTGAllocs     map[string]*AllocMetric
	JobModifyIndex     uint64
	CreatedEvals       []*Evaluation
	Diff               *JobDiff
	NextPeriodicLaunch time.Time
	Warnings           string
	WriteMeta
}

// JobRevertRequest re-registers a stored version of a job as a new
// version. With EnforcePriorVersion set, the revert is refused unless the
// job's current version is that one.
type JobRevertRequest struct {
	JobID               string
	JobVersion          uint64
	EnforcePriorVersion *uint64
	WriteRequest
}

// JobScaleRequest sets one group's count. Target names the group under
// "Group". A nil Count records a scaling event without changing anything.
type JobScaleRequest struct {
	JobID          string
	Target         map[string]string
	Count          *int64
	Message        string
	Error          bool
	Meta           map[string]interface{}
	PolicyOverride bool
	WriteRequest
}

// Scaling target keys.
const (
	ScalingTargetNamespace = "Namespace"
	ScalingTargetJob       = "Job"
	ScalingTargetGroup     = "Group"
)

// ScalingEvent records one scaling request against a group.
type ScalingEvent struct {
	Time          int64
	Count         *int64
	PreviousCount int64
	Message       string
	Error         bool
	Meta          map[string]interface{}
	EvalID        *string
	CreateIndex   uint64
}

// JobScaleStatus is the scaling state of every group of a job.
type JobScaleStatus struct {
	JobID          string
	Namespace      string
	JobCreateIndex uint64
	JobModifyIndex uint64
	JobStopped     bool
	TaskGroups     map[string]*TaskGroupScaleStatus
}

// TaskGroupScaleStatus is how many allocations a group wants and has, and
// its recent scaling events, newest first.
type TaskGroupScaleStatus struct {
	Desired   int
	Placed    int
	Running   int
	Healthy   int
	Unhealthy int
	Events    []*ScalingEvent
}

// JobScaleStatusResponse answers Job.ScaleStatus; nil when the job does
// not exist.
type JobScaleStatusResponse struct {
	JobScaleStatus *JobScaleStatus
	QueryMeta
}

// JobDispatchRequest creates a child of a parameterized job.
type JobDispatchRequest struct {
	JobID            string
	Payload          []byte
	Meta             map[string]string
	IdPrefixTemplate string
	WriteRequest
}

// JobDispatchResponse names the child a dispatch created.
type JobDispatchResponse struct {
	DispatchedJobID string
	EvalID          string
	EvalCreateIndex uint64
	JobCreateIndex  uint64
	WriteMeta
}

// PeriodicForceRequest launches a child of a periodic job now.
type PeriodicForceRequest struct {
	JobID string
	WriteRequest
}

// PeriodicForceResponse names the launched child's evaluation.
type PeriodicForceResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	WriteMeta
}

// JobEvaluateRequest creates a new evaluation of a job.
type JobEvaluateRequest struct {
	JobID       string
	EvalOptions EvalOptions
	WriteRequest
}

// EvalOptions tune a forced evaluation. ForceReschedule asks that failed
// allocations be rescheduled even past their reschedule policy.
type EvalOptions struct {
	ForceReschedule bool
}

// JobValidateRequest checks a job without registering it.
type JobValidateRequest struct {
	Job *Job
	WriteRequest
}

// JobValidateResponse lists every problem with a job. An invalid job is a
// successful answer with ValidationErrors, never an RPC error.
type JobValidateResponse struct {
	DriverConfigValidated bool
	ValidationErrors      []string
	Error                 string
	Warnings              string
}
