package structs

// Plan is a scheduler's proposed change, checked and committed by the
// leader's plan applier.
type Plan struct {
	EvalID            string
	EvalToken         string
	Priority          int
	AllAtOnce         bool
	Job               *Job
	NodeUpdate        map[string][]*Allocation
	NodeAllocation    map[string][]*Allocation
	NodePreemptions   map[string][]*Allocation
	Deployment        *Deployment
	DeploymentUpdates []*DeploymentStatusUpdate
	Annotations       *PlanAnnotations
	SnapshotIndex     uint64
}

// PlanResult is what the plan applier committed.
type PlanResult struct {
	NodeUpdate        map[string][]*Allocation
	NodeAllocation    map[string][]*Allocation
	NodePreemptions   map[string][]*Allocation
	Deployment        *Deployment
	DeploymentUpdates []*DeploymentStatusUpdate
	RefreshIndex      uint64
	AllocIndex        uint64
}

// DeploymentStatusUpdate changes a deployment's status.
type DeploymentStatusUpdate struct {
	DeploymentID      string
	Status            string
	StatusDescription string
}

// PlanAnnotations explain a dry-run plan.
type PlanAnnotations struct {
	DesiredTGUpdates map[string]*DesiredUpdates
}

// DesiredUpdates counts what a plan would do to one task group.
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

// AppendAlloc adds a placement to the plan.
func (p *Plan) AppendAlloc(a *Allocation) {
	if p.NodeAllocation == nil {
		p.NodeAllocation = map[string][]*Allocation{}
	}
	p.NodeAllocation[a.NodeID] = append(p.NodeAllocation[a.NodeID], a)
}

// AppendStoppedAlloc adds a stop of an existing allocation to the plan.
func (p *Plan) AppendStoppedAlloc(a *Allocation, desc, clientStatus string) {
	n := a.Copy()
	n.Job = nil
	n.DesiredStatus = AllocDesiredStatusStop
	n.DesiredDescription = desc
	if clientStatus != "" {
		n.ClientStatus = clientStatus
	}
	if p.NodeUpdate == nil {
		p.NodeUpdate = map[string][]*Allocation{}
	}
	p.NodeUpdate[a.NodeID] = append(p.NodeUpdate[a.NodeID], n)
}

// IsNoOp reports whether the plan changes nothing.
func (p *Plan) IsNoOp() bool {
	return len(p.NodeUpdate) == 0 && len(p.NodeAllocation) == 0 && p.Deployment == nil && len(p.DeploymentUpdates) == 0
}
