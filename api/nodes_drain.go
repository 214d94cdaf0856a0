package api

import "net/url"

// Node scheduling eligibility.
const (
	NodeSchedulingEligible   = "eligible"
	NodeSchedulingIneligible = "ineligible"
)

// NodeResources is what a node offers to allocations.
type NodeResources struct {
	Cpu    NodeCpuResources
	Memory NodeMemoryResources
	Disk   NodeDiskResources
}

// NodeCpuResources is a node's compute, in MHz and cores.
type NodeCpuResources struct {
	CpuShares     int64
	TotalCpuCores int
}

// NodeMemoryResources is a node's memory.
type NodeMemoryResources struct {
	MemoryMB int64
}

// NodeDiskResources is a node's allocatable disk.
type NodeDiskResources struct {
	DiskMB int64
}

// NodeReservedResources is held back from scheduling on a node.
type NodeReservedResources struct {
	Cpu    NodeCpuResources
	Memory NodeMemoryResources
	Disk   NodeDiskResources
}

// DrainSpec is what an operator asks of a drain. Deadline is in
// nanoseconds: 0 means no deadline, -1 stops everything at once.
type DrainSpec struct {
	Deadline         int64
	IgnoreSystemJobs bool
}

// DrainStrategy is a drain in progress. StartedAt and ForceDeadline are
// unix nanoseconds; ForceDeadline is 0 without a deadline.
type DrainStrategy struct {
	Deadline         int64
	IgnoreSystemJobs bool
	StartedAt        int64
	ForceDeadline    int64
}

// NodeEvent is a notable change in a node's life.
type NodeEvent struct {
	Message     string
	Subsystem   string
	Details     map[string]string
	Timestamp   int64 // unix seconds
	CreateIndex uint64
}

// NodeUpdateResponse answers an eligibility or drain change.
type NodeUpdateResponse struct {
	EvalIDs         []string
	EvalCreateIndex uint64
	NodeModifyIndex uint64
	Index           uint64
}

type nodeEligibilityRequest struct {
	NodeID      string
	Eligibility string
}

type nodeDrainRequest struct {
	NodeID       string
	DrainSpec    *DrainSpec
	MarkEligible bool
}

// ToggleEligibility marks the node eligible or ineligible for new
// placements. A draining node cannot be made eligible.
func (n *Nodes) ToggleEligibility(id string, eligible bool, w *WriteOptions) (*NodeUpdateResponse, *WriteMeta, error) {
	elig := NodeSchedulingIneligible
	if eligible {
		elig = NodeSchedulingEligible
	}
	var resp NodeUpdateResponse
	wm, err := n.client.post("/v1/node/"+url.PathEscape(id)+"/eligibility", &nodeEligibilityRequest{NodeID: id, Eligibility: elig}, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// UpdateDrain starts (spec non-nil) or stops (nil) the node's drain.
// Stopping a drain leaves the node ineligible unless markEligible.
func (n *Nodes) UpdateDrain(id string, spec *DrainSpec, markEligible bool, w *WriteOptions) (*NodeUpdateResponse, *WriteMeta, error) {
	var resp NodeUpdateResponse
	wm, err := n.client.post("/v1/node/"+url.PathEscape(id)+"/drain", &nodeDrainRequest{NodeID: id, DrainSpec: spec, MarkEligible: markEligible}, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}
