package api

import (
	"net/url"
	"time"
)

// Allocation client statuses.
const (
	AllocClientStatusPending  = "pending"
	AllocClientStatusRunning  = "running"
	AllocClientStatusComplete = "complete"
	AllocClientStatusFailed   = "failed"
	AllocClientStatusLost     = "lost"
	AllocClientStatusUnknown  = "unknown"
)

// Allocation is one instance of a task group placed on a node.
// CreateTime and ModifyTime are Unix nanoseconds.
type Allocation struct {
	ID                 string
	Namespace          string
	EvalID             string
	Name               string
	NodeID             string
	NodeName           string
	JobID              string
	Job                *Job
	JobVersion         uint64
	TaskGroup          string
	Resources          *Resources
	Metrics            *AllocationMetric
	DesiredStatus      string
	DesiredDescription string
	ClientStatus       string
	ClientDescription  string
	TaskStates         map[string]*TaskState
	DeploymentID       string
	DeploymentStatus   *AllocDeploymentStatus
	FollowupEvalID     string
	PreviousAllocation string
	NextAllocation     string
	CreateIndex        uint64
	ModifyIndex        uint64
	AllocModifyIndex   uint64
	CreateTime         int64
	ModifyTime         int64
	DesiredTransition  DesiredTransition
}

// DesiredTransition is what the server wants done with an allocation
// next; Migrate is set by a node drain or `alloc stop`, NoShutdownDelay
// by `alloc stop -no-shutdown-delay`.
type DesiredTransition struct {
	Migrate         *bool
	NoShutdownDelay *bool `json:",omitempty"`
}

// AllocationListStub is an allocation as listed.
type AllocationListStub struct {
	ID                 string
	EvalID             string
	Name               string
	Namespace          string
	NodeID             string
	NodeName           string
	JobID              string
	JobType            string
	JobVersion         uint64
	TaskGroup          string
	DesiredStatus      string
	DesiredDescription string
	ClientStatus       string
	ClientDescription  string
	TaskStates         map[string]*TaskState
	DeploymentStatus   *AllocDeploymentStatus
	FollowupEvalID     string
	CreateIndex        uint64
	ModifyIndex        uint64
	CreateTime         int64
	ModifyTime         int64
}

// AllocDeploymentStatus is an allocation's health within its deployment,
// as its client reported it once; Healthy is nil until then.
type AllocDeploymentStatus struct {
	Healthy     *bool
	Timestamp   time.Time
	Canary      bool
	ModifyIndex uint64
}

// TaskState is the client's view of one task of an allocation.
type TaskState struct {
	State       string
	Failed      bool
	Restarts    uint64
	LastRestart time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	Events      []*TaskEvent
}

// TaskEvent is one thing that happened to a task; Time is Unix nanoseconds.
type TaskEvent struct {
	Type           string
	Time           int64
	DisplayMessage string
	Details        map[string]string
	Message        string
	FailsTask      bool
	RestartReason  string
	DriverError    string
	ExitCode       int
	Signal         int
	KillReason     string
	KillTimeout    time.Duration
}

// AllocationMetric explains a placement decision, or why one failed.
type AllocationMetric struct {
	NodesEvaluated     int
	NodesFiltered      int
	NodesInPool        int
	NodesAvailable     map[string]int
	ClassFiltered      map[string]int
	ConstraintFiltered map[string]int
	// ConstraintDetails explains a ConstraintFiltered reason in a
	// sentence, keyed by the same reason (nomadish only).
	ConstraintDetails  map[string]string `json:",omitempty"`
	NodesExhausted     int
	ClassExhausted     map[string]int
	DimensionExhausted map[string]int
	QuotaExhausted     []string
	AllocationTime     time.Duration
	CoalescedFailures  int
}

// Allocations is the /v1/allocations and /v1/allocation/:id endpoints.
type Allocations struct{ client *Client }

// Allocations returns the allocation endpoints.
func (c *Client) Allocations() *Allocations { return &Allocations{client: c} }

// List lists allocations, filtered by q.Prefix when set.
func (a *Allocations) List(q *QueryOptions) ([]*AllocationListStub, *QueryMeta, error) {
	var resp []*AllocationListStub
	qm, err := a.client.query("/v1/allocations", &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Info reads one allocation by exact ID.
func (a *Allocations) Info(id string, q *QueryOptions) (*Allocation, *QueryMeta, error) {
	var resp Allocation
	qm, err := a.client.query("/v1/allocation/"+url.PathEscape(id), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}
