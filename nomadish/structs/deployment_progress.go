package structs

import "time"

// Deployment status descriptions set by the leader's deployment watcher
// and the deployment endpoints.
const (
	DeploymentDescSuccessful       = "Deployment completed successfully"
	DeploymentDescUnhealthyAllocs  = "Failed due to unhealthy allocations"
	DeploymentDescProgressDeadline = "Failed due to progress deadline"
	DeploymentDescFailedByUser     = "Deployment marked as failed"
	DeploymentDescPaused           = "Deployment is paused"
	DeploymentDescResumed          = "Deployment is running"
	DeploymentDescRollbackSuffix   = " - rolling back to job version %d"
	DeploymentDescNoRollbackSuffix = " - no stable job version to auto revert to"
	// Canary deployments (Nomad's wording).
	DeploymentDescNeedsPromotion     = "Deployment is running but requires manual promotion"
	DeploymentDescPendingAutoPromote = "Deployment is running pending automatic promotion"
	DeploymentDescPromoted           = "Deployment is running"
)

// DeploymentProgressRequest is one Raft entry of the leader's deployment
// watcher (or of a deployment endpoint): the progress of some
// deployments, job versions to mark stable, and evaluations that let the
// scheduler continue. Fields not named are left as they are, so it never
// undoes what a plan wrote to the same deployment meanwhile.
type DeploymentProgressRequest struct {
	Deployments []*DeploymentProgress
	StableJobs  []*JobStabilityUpdate
	Evals       []*Evaluation
	WriteRequest
}

// DeploymentProgress changes one deployment.
type DeploymentProgress struct {
	DeploymentID string
	// Status and StatusDescription replace the deployment's when Status
	// is set.
	Status            string
	StatusDescription string
	// Groups replaces the named groups' health counts and progress
	// deadline; groups not named are kept.
	Groups map[string]*DeploymentGroupProgress
	// PromoteGroups marks the named groups promoted: their canaries
	// count as the new version's allocations and the rest of the
	// group is rolled out.
	PromoteGroups []string
	ModifyTime    int64
}

// DeploymentGroupProgress is one group's health within a deployment.
type DeploymentGroupProgress struct {
	HealthyAllocs     int
	UnhealthyAllocs   int
	RequireProgressBy time.Time
}

// JobStabilityUpdate marks one version of a job stable or not.
type JobStabilityUpdate struct {
	Namespace  string
	JobID      string
	JobVersion uint64
	Stable     bool
}

// DeploymentFailRequest asks to fail an active deployment.
type DeploymentFailRequest struct {
	DeploymentID string
	WriteRequest
}

// DeploymentPromoteRequest promotes the canaries of a deployment: of
// every group with canaries when All is set, else of the named Groups.
type DeploymentPromoteRequest struct {
	DeploymentID string
	All          bool
	Groups       []string
	WriteRequest
}

// DeploymentPauseRequest pauses an active deployment, or resumes a paused
// one when Pause is false.
type DeploymentPauseRequest struct {
	DeploymentID string
	Pause        bool
	WriteRequest
}

// DeploymentAllocHealthRequest sets the deployment health of allocations
// of an active deployment by hand, as Nomad's PUT
// /v1/deployment/allocation-health/:id does: for groups with
// health_check = "manual", or to override what a client decided.
type DeploymentAllocHealthRequest struct {
	DeploymentID           string
	HealthyAllocationIDs   []string
	UnhealthyAllocationIDs []string
	// Timestamp is when the leader accepted the request; the endpoint
	// sets it, so that every server applies the same time.
	Timestamp time.Time
	WriteRequest
}

// DeploymentUpdateResponse answers a change of a deployment's status, in
// the shape of Nomad's PUT /v1/deployment/fail and /pause answers.
type DeploymentUpdateResponse struct {
	EvalID                string
	EvalCreateIndex       uint64
	DeploymentModifyIndex uint64
	// RevertedJobVersion is the version the job was reverted to, if any.
	RevertedJobVersion *uint64
	Index              uint64
}
