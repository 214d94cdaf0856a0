package structs

import "time"

// Allocation desired statuses, set by the scheduler.
const (
	AllocDesiredStatusRun   = "run"
	AllocDesiredStatusStop  = "stop"
	AllocDesiredStatusEvict = "evict"
)

// Allocation client statuses, reported by the client.
const (
	AllocClientStatusPending  = "pending"
	AllocClientStatusRunning  = "running"
	AllocClientStatusComplete = "complete"
	AllocClientStatusFailed   = "failed"
	AllocClientStatusLost     = "lost"
	AllocClientStatusUnknown  = "unknown"
)

// Task states.
const (
	TaskStatePending = "pending"
	TaskStateRunning = "running"
	TaskStateDead    = "dead"
)

// Allocation is one placement of a task group on a node.
type Allocation struct {
	ID                 string
	Namespace          string
	EvalID             string
	Name               string
	NodeID             string
	NodeName           string
	JobID              string
	Job                *Job
	TaskGroup          string
	AllocatedResources *AllocatedResources
	Metrics            *AllocMetric

	DesiredStatus      string
	DesiredDescription string
	ClientStatus       string
	ClientDescription  string
	TaskStates         map[string]*TaskState

	DeploymentID     string
	DeploymentStatus *AllocDeploymentStatus

	PreviousAllocation    string
	NextAllocation        string
	RescheduleTracker     *RescheduleTracker
	FollowupEvalID        string
	PreemptedAllocations  []string
	PreemptedByAllocation string

	CreateIndex      uint64
	ModifyIndex      uint64
	AllocModifyIndex uint64
	CreateTime       int64
	ModifyTime       int64

	// DesiredTransition is what the server wants done with the
	// allocation next, apart from its desired status: the leader's
	// drainer marks allocations on draining nodes for migration in
	// batches of the group's migrate.max_parallel.
	DesiredTransition DesiredTransition

	// AllocStates records the server's changes of the client status
	// (alloc_disconnect.go): when the allocation became unknown because
	// its client stopped heartbeating, and when it reconnected.
	AllocStates []*AllocState `json:",omitempty"`
}

// DesiredTransition marks an allocation for a change the scheduler makes
// on its next evaluation of the job.
type DesiredTransition struct {
	// Migrate asks the scheduler to stop the allocation and place a
	// replacement on another node. Set by the drainer; the reconciler
	// migrates allocations of a draining node only when it is set, or
	// when the drain's deadline has passed.
	Migrate bool
	// NoShutdownDelay asks the client to kill the allocation's tasks
	// without waiting the group's or the tasks' shutdown_delay (`alloc
	// stop -no-shutdown-delay`). It rides along with the stop the
	// scheduler then writes, which is what the client pulls.
	NoShutdownDelay bool `json:",omitempty"`
}

// AllocatedResources is what the scheduler set aside for an allocation.
type AllocatedResources struct {
	Tasks  map[string]*AllocatedTaskResources
	Shared AllocatedSharedResources
}

// AllocatedTaskResources is one task's share.
type AllocatedTaskResources struct {
	Cpu      AllocatedCpuResources
	Memory   AllocatedMemoryResources
	Networks []*NetworkResource
}

// AllocatedCpuResources is CPU set aside.
type AllocatedCpuResources struct {
	CpuShares     int64
	ReservedCores []uint16
}

// AllocatedMemoryResources is memory set aside.
type AllocatedMemoryResources struct {
	MemoryMB    int64
	MemoryMaxMB int64
}

// AllocatedSharedResources is set aside for the whole group.
type AllocatedSharedResources struct {
	DiskMB   int64
	Networks []*NetworkResource
	Ports    []AllocatedPortMapping
}

// AllocatedPortMapping is a port given to the group.
type AllocatedPortMapping struct {
	Label  string
	Value  int
	To     int
	HostIP string
}

// AllocMetric records how the scheduler reached its placement decision.
type AllocMetric struct {
	NodesEvaluated     int
	NodesFiltered      int
	NodesInPool        int
	NodesAvailable     map[string]int
	ClassFiltered      map[string]int
	ConstraintFiltered map[string]int
	// ConstraintDetails explains a ConstraintFiltered reason in a
	// sentence, keyed by the same reason (e.g. which driver no node has).
	// The scheduler computes it once per failed group; Nomad has no such
	// field, and its clients ignore it.
	ConstraintDetails  map[string]string
	NodesExhausted     int
	ClassExhausted     map[string]int
	DimensionExhausted map[string]int
	QuotaExhausted     []string
	Scores             map[string]float64
	AllocationTime     time.Duration
	CoalescedFailures  int
}

// AllocDeploymentStatus is an allocation's health within a deployment.
type AllocDeploymentStatus struct {
	Healthy     *bool
	Timestamp   time.Time
	Canary      bool
	ModifyIndex uint64
}

// RescheduleTracker records earlier reschedule attempts.
type RescheduleTracker struct {
	Events []*RescheduleEvent
}

// RescheduleEvent is one reschedule attempt.
type RescheduleEvent struct {
	RescheduleTime int64
	PrevAllocID    string
	PrevNodeID     string
	Delay          time.Duration
}

// TaskState is a task's lifecycle on its client.
type TaskState struct {
	State       string
	Failed      bool
	Restarts    uint64
	LastRestart time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	Events      []*TaskEvent
}

// TaskEvent is one notable moment in a task's life.
type TaskEvent struct {
	Type           string
	Time           int64
	Message        string
	DisplayMessage string
	Details        map[string]string
	ExitCode       int
	Signal         int
	FailsTask      bool
}

// TerminalStatus reports whether the allocation is done, by either the
// scheduler's or the client's account.
func (a *Allocation) TerminalStatus() bool {
	switch a.DesiredStatus {
	case AllocDesiredStatusStop, AllocDesiredStatusEvict:
		return true
	}
	return a.ClientTerminalStatus()
}

// ClientTerminalStatus reports whether the client says the allocation is done.
func (a *Allocation) ClientTerminalStatus() bool {
	switch a.ClientStatus {
	case AllocClientStatusComplete, AllocClientStatusFailed, AllocClientStatusLost:
		return true
	}
	return false
}

// Copy returns a deep copy of the allocation.
func (a *Allocation) Copy() *Allocation {
	if a == nil {
		return nil
	}
	var out Allocation
	mustCopy(a, &out)
	return &out
}

// Stub returns the list view of an allocation.
func (a *Allocation) Stub() *AllocListStub {
	s := &AllocListStub{
		ID:                 a.ID,
		EvalID:             a.EvalID,
		Name:               a.Name,
		Namespace:          a.Namespace,
		NodeID:             a.NodeID,
		NodeName:           a.NodeName,
		JobID:              a.JobID,
		TaskGroup:          a.TaskGroup,
		DesiredStatus:      a.DesiredStatus,
		DesiredDescription: a.DesiredDescription,
		ClientStatus:       a.ClientStatus,
		ClientDescription:  a.ClientDescription,
		TaskStates:         a.TaskStates,
		DeploymentStatus:   a.DeploymentStatus,
		FollowupEvalID:     a.FollowupEvalID,
		CreateIndex:        a.CreateIndex,
		ModifyIndex:        a.ModifyIndex,
		CreateTime:         a.CreateTime,
		ModifyTime:         a.ModifyTime,
	}
	if a.Job != nil {
		s.JobType = a.Job.Type
		s.JobVersion = a.Job.Version
	}
	return s
}

// AllocListStub is the shape of one entry of GET /v1/allocations.
type AllocListStub struct {
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
