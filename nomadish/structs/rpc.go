package structs

import (
	"sort"
	"time"
)

// RPCInfo is what the RPC layer needs to know about any request to route
// it: which region it is for, whether it only reads, and whether a
// follower may answer it.
type RPCInfo interface {
	RequestRegion() string
	IsRead() bool
	AllowStaleRead() bool
	IsForwarded() bool
	SetForwarded()
}

// QueryOptions is embedded in every read request.
type QueryOptions struct {
	Region    string
	Namespace string
	// MinQueryIndex turns the read into a blocking query: it returns when
	// the result's index exceeds this, or after MaxQueryTime.
	MinQueryIndex uint64
	MaxQueryTime  time.Duration
	AllowStale    bool
	Prefix        string
	forwarded     bool
}

func (q *QueryOptions) RequestRegion() string { return q.Region }
func (q *QueryOptions) IsRead() bool          { return true }
func (q *QueryOptions) AllowStaleRead() bool  { return q.AllowStale }
func (q *QueryOptions) IsForwarded() bool     { return q.forwarded }
func (q *QueryOptions) SetForwarded()         { q.forwarded = true }

// Bounds of a blocking query's wait, as servers apply them: MaxQueryTime
// defaults to DefaultBlockingWait and is cut to MaxBlockingWait, and a
// server adds up to 1/16 of it as jitter.
const (
	DefaultBlockingWait = 5 * time.Minute
	MaxBlockingWait     = 10 * time.Minute
)

// BlockingWait is the longest a server may hold this read: zero when it
// does not block (MinQueryIndex 0), else the wait with its jitter.
func (q QueryOptions) BlockingWait() time.Duration {
	if q.MinQueryIndex == 0 {
		return 0
	}
	wait := q.MaxQueryTime
	if wait <= 0 {
		wait = DefaultBlockingWait
	}
	wait = min(wait, MaxBlockingWait)
	return wait + wait/16
}

// RequestNamespace returns the namespace, defaulted.
func (q *QueryOptions) RequestNamespace() string {
	if q.Namespace == "" {
		return DefaultNamespace
	}
	return q.Namespace
}

// QueryMeta is embedded in every read response.
type QueryMeta struct {
	// Index is the Raft index the result reflects.
	Index uint64
	// LastContact is how long ago a follower heard from the leader; zero
	// on the leader.
	LastContact time.Duration
	KnownLeader bool
}

// WriteRequest is embedded in every write request.
type WriteRequest struct {
	Region    string
	Namespace string
	forwarded bool
}

func (w *WriteRequest) RequestRegion() string { return w.Region }
func (w *WriteRequest) IsRead() bool          { return false }
func (w *WriteRequest) AllowStaleRead() bool  { return false }
func (w *WriteRequest) IsForwarded() bool     { return w.forwarded }
func (w *WriteRequest) SetForwarded()         { w.forwarded = true }

// RequestNamespace returns the namespace, defaulted.
func (w *WriteRequest) RequestNamespace() string {
	if w.Namespace == "" {
		return DefaultNamespace
	}
	return w.Namespace
}

// WriteMeta is embedded in every write response.
type WriteMeta struct {
	Index uint64
}

// GenericRequest is a read with no parameters of its own.
type GenericRequest struct {
	QueryOptions
}

// GenericResponse is a write's bare acknowledgement.
type GenericResponse struct {
	WriteMeta
}

// JobRegisterRequest registers or updates a job. It is also the Raft
// entry, carrying the evaluation the registration creates.
type JobRegisterRequest struct {
	Job            *Job
	Eval           *Evaluation
	EnforceIndex   bool
	JobModifyIndex uint64
	PreserveCounts bool
	PolicyOverride bool
	EvalPriority   int
	// MultiregionCopy marks one region's copy of a multiregion job, sent
	// by the server the job was submitted to: registered as it is, not
	// fanned out again.
	MultiregionCopy bool
	WriteRequest
}

// JobRegisterResponse answers a registration.
type JobRegisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	Warnings        string
	QueryMeta
}

// JobDeregisterRequest stops a job, or with Purge removes it.
type JobDeregisterRequest struct {
	JobID string
	Purge bool
	// Global stops a multiregion job in every region of its
	// multiregion block.
	Global     bool
	Eval       *Evaluation
	SubmitTime int64
	WriteRequest
}

// JobDeregisterResponse answers a deregistration.
type JobDeregisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	QueryMeta
}

// JobSpecificRequest names one job.
type JobSpecificRequest struct {
	JobID string
	All   bool
	QueryOptions
}

// SingleJobResponse returns one job, or nil when it does not exist.
type SingleJobResponse struct {
	Job *Job
	QueryMeta
}

// JobListRequest lists jobs.
type JobListRequest struct {
	QueryOptions
}

// JobListResponse lists jobs.
type JobListResponse struct {
	Jobs []*JobListStub
	QueryMeta
}

// JobVersionsRequest asks for a job's versions.
type JobVersionsRequest struct {
	JobID string
	Diffs bool
	QueryOptions
}

// JobVersionsResponse lists a job's versions, newest first.
type JobVersionsResponse struct {
	Versions []*Job
	Diffs    []*JobDiff
	QueryMeta
}

// JobSummaryResponse returns a job's summary.
type JobSummaryResponse struct {
	JobSummary *JobSummary
	QueryMeta
}

// JobAllocationsResponse lists a job's allocations.
type JobAllocationsResponse struct {
	Allocations []*AllocListStub
	QueryMeta
}

// JobEvaluationsResponse lists a job's evaluations.
type JobEvaluationsResponse struct {
	Evaluations []*Evaluation
	QueryMeta
}

// NodeRegisterRequest registers a client node. It is also the Raft entry.
type NodeRegisterRequest struct {
	Node *Node
	WriteRequest
}

// NodeDeregisterRequest removes nodes.
type NodeDeregisterRequest struct {
	NodeIDs []string
	WriteRequest
}

// NodeUpdateStatusRequest changes a node's status.
type NodeUpdateStatusRequest struct {
	NodeID string
	// SecretID is the node's secret, as registered; it must match.
	SecretID  string
	Status    string
	UpdatedAt int64
	NodeEvent *NodeEvent
	WriteRequest
}

// NodeServerInfo tells a client about a server it may talk to.
type NodeServerInfo struct {
	RPCAdvertiseAddr string
	Datacenter       string
}

// NodeUpdateResponse answers registration, status updates and heartbeats.
type NodeUpdateResponse struct {
	HeartbeatTTL time.Duration
	// Reconnected tells a client that the servers had marked it
	// disconnected: it sends its allocations' reports again, so that
	// those the servers hold as unknown are known running again.
	Reconnected     bool `json:",omitempty"`
	EvalIDs         []string
	EvalCreateIndex uint64
	NodeModifyIndex uint64
	LeaderRPCAddr   string
	NumNodes        int32
	Servers         []*NodeServerInfo
	QueryMeta
}

// NodeSpecificRequest names one node.
type NodeSpecificRequest struct {
	NodeID   string
	SecretID string
	QueryOptions
}

// SingleNodeResponse returns one node or nil.
type SingleNodeResponse struct {
	Node *Node
	QueryMeta
}

// NodeListRequest lists nodes.
type NodeListRequest struct {
	QueryOptions
}

// NodeListResponse lists nodes.
type NodeListResponse struct {
	Nodes []*NodeListStub
	QueryMeta
}

// NodeClientAllocsResponse answers a client's blocking query on its
// node's allocations: each allocation's ID with its AllocModifyIndex, the
// index of the servers' last change to it. The client fetches in full,
// with Alloc.GetAllocs, only those whose index has moved past what it
// holds, so a node with twenty allocations is not sent all twenty (and
// their job) each time one is added.
type NodeClientAllocsResponse struct {
	Allocs map[string]uint64
	QueryMeta
}

// MaxAllocsPerGet bounds the allocation IDs one Alloc.GetAllocs may ask
// for; a client with more asks in several calls.
const MaxAllocsPerGet = 1000

// AllocsToFetch is the client's half of the allocation watch: given the
// node's allocation list (NodeClientAllocsResponse.Allocs) and the
// AllocModifyIndex of each allocation it last fetched, it forgets the
// allocations no longer listed and returns, sorted, the IDs to fetch with
// Alloc.GetAllocs: those new to it or changed since.
func AllocsToFetch(list, fetched map[string]uint64) []string {
	for id := range fetched {
		if _, ok := list[id]; !ok {
			delete(fetched, id)
		}
	}
	var want []string
	for id, modify := range list {
		if last, ok := fetched[id]; !ok || modify > last {
			want = append(want, id)
		}
	}
	sort.Strings(want)
	return want
}

// AllocsGetRequest asks for allocations in full by ID, for the client of
// the node they run on, which proves itself with the node's SecretID.
// MinQueryIndex makes a lagging server wait until it has caught up with
// the index the client's allocation list came from.
type AllocsGetRequest struct {
	AllocIDs []string
	SecretID string
	QueryOptions
}

// AllocsGetResponse returns the allocations asked for that the server
// has, in the order asked; one garbage-collected meanwhile is left out.
// One that could not be sent (it would not decode on the client, see
// Job.DeliveryProblem) is listed in Undeliverable instead, so that one bad
// job cannot keep a node from receiving the others.
type AllocsGetResponse struct {
	Allocs        []*Allocation
	Undeliverable []*UndeliverableAlloc
	QueryMeta
}

// UndeliverableAlloc is an allocation Alloc.GetAllocs could not send to its
// client, with why. The client fails it with Reason.
type UndeliverableAlloc struct {
	ID               string
	AllocModifyIndex uint64
	DesiredStatus    string
	ClientStatus     string
	// TaskNames are the tasks of the allocation's group, so that the
	// client can give each a failed state and an event saying why.
	TaskNames []string
	Reason    string
}

// AllocListRequest lists allocations.
type AllocListRequest struct {
	QueryOptions
}

// AllocListResponse lists allocations.
type AllocListResponse struct {
	Allocations []*AllocListStub
	QueryMeta
}

// AllocSpecificRequest names one allocation.
type AllocSpecificRequest struct {
	AllocID string
	QueryOptions
}

// SingleAllocResponse returns one allocation or nil.
type SingleAllocResponse struct {
	Alloc *Allocation
	QueryMeta
}

// AllocUpdateRequest carries allocation changes: from a client (task
// states) or from the plan applier. It is also the Raft entry.
type AllocUpdateRequest struct {
	Alloc []*Allocation
	// SecretID is, from a client, the secret of the node the allocations
	// run on; it must match that node's registered secret.
	SecretID string
	Evals    []*Evaluation
	Job      *Job
	WriteRequest
}

// EvalListRequest lists evaluations.
type EvalListRequest struct {
	QueryOptions
}

// EvalListResponse lists evaluations.
type EvalListResponse struct {
	Evaluations []*Evaluation
	QueryMeta
}

// EvalSpecificRequest names one evaluation.
type EvalSpecificRequest struct {
	EvalID string
	QueryOptions
}

// SingleEvalResponse returns one evaluation or nil.
type SingleEvalResponse struct {
	Eval *Evaluation
	QueryMeta
}

// EvalUpdateRequest upserts evaluations. It is also the Raft entry.
type EvalUpdateRequest struct {
	Evals     []*Evaluation
	EvalToken string
	WriteRequest
}

// EvalDeleteRequest garbage-collects evaluations and allocations.
type EvalDeleteRequest struct {
	Evals  []string
	Allocs []string
	WriteRequest
}

// DeploymentUpsertRequest writes a deployment. It is also the Raft entry.
type DeploymentUpsertRequest struct {
	Deployment *Deployment
	WriteRequest
}

// RaftServer is one member of the Raft configuration.
type RaftServer struct {
	ID           string
	Node         string
	Address      string
	Leader       bool
	Voter        bool
	RaftProtocol string
}

// RaftConfigurationResponse is the Raft peer set.
type RaftConfigurationResponse struct {
	Servers []*RaftServer
	Index   uint64
}

// RaftPeerRequest names a Raft peer to remove.
type RaftPeerRequest struct {
	ID      string
	Address string
	WriteRequest
}

// DeploymentListRequest lists deployments.
type DeploymentListRequest struct {
	QueryOptions
}

// DeploymentListResponse lists deployments, newest first.
type DeploymentListResponse struct {
	Deployments []*Deployment
	QueryMeta
}

// DeploymentSpecificRequest names one deployment.
type DeploymentSpecificRequest struct {
	DeploymentID string
	QueryOptions
}

// SingleDeploymentResponse returns one deployment, or nil.
type SingleDeploymentResponse struct {
	Deployment *Deployment
	QueryMeta
}
