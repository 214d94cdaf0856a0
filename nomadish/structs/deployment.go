package structs

import "time"

// Deployment statuses.
const (
	DeploymentStatusRunning    = "running"
	DeploymentStatusPaused     = "paused"
	DeploymentStatusFailed     = "failed"
	DeploymentStatusSuccessful = "successful"
	DeploymentStatusCancelled  = "cancelled"
	DeploymentStatusBlocked    = "blocked"
	// DeploymentStatusPending is a region's deployment of a multiregion
	// job waiting for its turn: nothing of it is placed yet.
	DeploymentStatusPending = "pending"
)

// Status descriptions of multiregion deployments.
const (
	DeploymentDescMultiregionPending   = "Deployment is pending: waiting for its turn among the regions"
	DeploymentDescMultiregionRunning   = "Deployment is running: its turn among the regions came"
	DeploymentDescMultiregionBlocked   = "Deployment is complete here: waiting for the other regions"
	DeploymentDescMultiregionDone      = "Deployment completed in every region"
	DeploymentDescMultiregionUnblocked = "Deployment was unblocked by hand"
)

// Deployment tracks a rolling or canary update of one job version.
type Deployment struct {
	ID                 string
	Namespace          string
	JobID              string
	JobVersion         uint64
	JobModifyIndex     uint64
	JobSpecModifyIndex uint64
	JobCreateIndex     uint64
	IsMultiregion      bool
	TaskGroups         map[string]*DeploymentState
	Status             string
	StatusDescription  string
	EvalPriority       int
	CreateIndex        uint64
	ModifyIndex        uint64
	CreateTime         int64
	ModifyTime         int64
}

// DeploymentState is one group's progress in a deployment.
type DeploymentState struct {
	AutoRevert        bool
	AutoPromote       bool
	ProgressDeadline  time.Duration
	RequireProgressBy time.Time
	Promoted          bool
	PlacedCanaries    []string
	DesiredCanaries   int
	DesiredTotal      int
	PlacedAllocs      int
	HealthyAllocs     int
	UnhealthyAllocs   int
}

// Active reports whether the deployment is still in progress.
func (d *Deployment) Active() bool {
	switch d.Status {
	case DeploymentStatusRunning, DeploymentStatusPaused, DeploymentStatusBlocked, DeploymentStatusPending:
		return true
	}
	return false
}

// RequiresPromotion reports whether some group of the deployment has
// canaries and has not been promoted: the rest of that group is not
// rolled out until it is.
func (d *Deployment) RequiresPromotion() bool {
	if d == nil {
		return false
	}
	for _, g := range d.TaskGroups {
		if g != nil && g.DesiredCanaries > 0 && !g.Promoted {
			return true
		}
	}
	return false
}

// Copy returns a deep copy of the deployment.
func (d *Deployment) Copy() *Deployment {
	if d == nil {
		return nil
	}
	var out Deployment
	mustCopy(d, &out)
	return &out
}
