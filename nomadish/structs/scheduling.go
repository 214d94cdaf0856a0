package structs

import "time"

// EvalDequeueRequest asks the leader's eval broker for an evaluation of
// one of the named scheduler types, waiting up to Timeout for one. It is a
// write so that followers forward it to the leader.
type EvalDequeueRequest struct {
	Schedulers []string
	Timeout    time.Duration
	WriteRequest
}

// EvalDequeueResponse hands out an evaluation (nil when none came within
// the timeout) with the token that proves the worker holds it. WaitIndex
// is the Raft index the worker's state must reach before scheduling.
type EvalDequeueResponse struct {
	Eval      *Evaluation
	Token     string
	WaitIndex uint64
	QueryMeta
}

// EvalAckRequest acknowledges (or negatively acknowledges) an evaluation
// a worker dequeued.
type EvalAckRequest struct {
	EvalID string
	Token  string
	WriteRequest
}

// PlanRequest submits a scheduler's plan to the leader's plan queue.
type PlanRequest struct {
	Plan *Plan
	WriteRequest
}

// PlanResponse is what the plan applier committed.
type PlanResponse struct {
	Result *PlanResult
	WriteMeta
}

// PlanCommitOutcome is what the FSM answers a committed plan with when it
// left placements out: the nodes, sorted, that were gone, down or
// disconnected when the entry applied. Their new allocations were not
// written; the rest of the plan was.
type PlanCommitOutcome struct {
	DroppedNodes []string
}

// ApplyPlanResultsRequest is the Raft entry of a committed plan: every
// allocation it places, stops or preempts, the deployment it creates or
// changes, all applied in one state transaction.
type ApplyPlanResultsRequest struct {
	// Allocs are placements and in-place updates. Those of the plan's job
	// ship without Job; the FSM sets Job from the request's.
	Allocs []*Allocation
	// Job is the job the plan was made for, shared by Allocs.
	Job *Job
	// AllocsStopped are stops (desired status stop, client status lost
	// for lost allocations); they keep the job version they run.
	AllocsStopped []*Allocation
	// AllocsPreempted are evictions of lower-priority allocations.
	AllocsPreempted   []*Allocation
	Deployment        *Deployment
	DeploymentUpdates []*DeploymentStatusUpdate
	// EvalIDs are the evaluations whose plans these were.
	EvalIDs []string
	WriteRequest
}
