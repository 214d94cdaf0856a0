package scheduler

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// State is the read-only view of cluster state a scheduler needs. The
// server's *state.StateSnapshot satisfies it; so does the test harness's
// store. Objects it returns are shared and must never be mutated.
type State interface {
	// Nodes iterates every *structs.Node.
	Nodes(ws memdb.WatchSet) (memdb.ResultIterator, error)
	// NodeByID returns a node or nil.
	NodeByID(ws memdb.WatchSet, id string) (*structs.Node, error)
	// JobByID returns a job or nil (purged).
	JobByID(ws memdb.WatchSet, namespace, id string) (*structs.Job, error)
	// AllocsByJob returns a job's allocations, terminal ones included.
	AllocsByJob(ws memdb.WatchSet, namespace, jobID string, anyCreateIndex bool) ([]*structs.Allocation, error)
	// AllocsByNode returns a node's allocations, terminal ones included.
	AllocsByNode(ws memdb.WatchSet, nodeID string) ([]*structs.Allocation, error)
	// LatestDeploymentByJobID returns a job's newest deployment or nil.
	LatestDeploymentByJobID(ws memdb.WatchSet, namespace, jobID string) (*structs.Deployment, error)
}

// SchedulerConfigState is an optional ability of a State: one that holds
// the operator's scheduler configuration returns it here. Without it the
// scheduler uses structs.DefaultSchedulerConfiguration.
type SchedulerConfigState interface {
	SchedulerConfig() (uint64, *structs.SchedulerConfiguration, error)
}

// Planner is how a scheduler acts on the world. The server's worker
// implements it over the leader's plan queue; the test harness over a
// state store; a dry-run planner commits nothing.
type Planner interface {
	// SubmitPlan hands a plan to the plan applier. The result says what
	// was committed. When the applier could not commit everything it sets
	// RefreshIndex and returns a State at least that fresh, on which the
	// scheduler retries.
	SubmitPlan(*structs.Plan) (*structs.PlanResult, State, error)
	// UpdateEval records the evaluation's outcome (status, failed
	// placements, queued allocations, blocked eval).
	UpdateEval(*structs.Evaluation) error
	// CreateEval creates a new evaluation: blocked, delayed follow-up or
	// retry.
	CreateEval(*structs.Evaluation) error
	// ReblockEval puts an evaluation that was blocked and got unblocked
	// back into the blocked set, with its refreshed class eligibility.
	ReblockEval(*structs.Evaluation) error
}

// Scheduler processes one evaluation to completion: it reads state,
// submits plans through its Planner and updates the evaluation.
type Scheduler interface {
	Process(*structs.Evaluation) error
}

// Factory builds a scheduler for one evaluation.
type Factory func(hclog.Logger, State, Planner) Scheduler

// BuiltinSchedulers maps each job type to its scheduler.
var BuiltinSchedulers = map[string]Factory{
	structs.JobTypeService:  NewServiceScheduler,
	structs.JobTypeBatch:    NewBatchScheduler,
	structs.JobTypeSystem:   NewSystemScheduler,
	structs.JobTypeSysBatch: NewSysBatchScheduler,
}

// NewScheduler builds the named builtin scheduler.
func NewScheduler(name string, logger hclog.Logger, state State, planner Planner) (Scheduler, error) {
	f, ok := BuiltinSchedulers[name]
	if !ok {
		return nil, fmt.Errorf("scheduler %q: %w", name, ErrUnknownScheduler)
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return f(logger, state, planner), nil
}
