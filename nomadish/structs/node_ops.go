package structs

import "fmt"

// Descriptions written on allocations and nodes by the node lifecycle.
const (
	AllocDescNodeDown      = "alloc is lost since its node is down"
	AllocDescDrainDeadline = "alloc stopped: the drain deadline of its node was reached"
	AllocDescDrainSystem   = "alloc stopped: its node finished draining"
)

// NodeUpdateStatusEvalsRequest changes a node's status and writes the
// evaluations the change calls for in one Raft entry. When Status is down,
// the same entry marks every non-terminal allocation on the node lost, so a
// leader dying between the two can never leave a down node whose
// allocations nobody replaces.
type NodeUpdateStatusEvalsRequest struct {
	NodeID    string
	Status    string
	UpdatedAt int64 // unix seconds, as Node.StatusUpdatedAt
	NodeEvent *NodeEvent
	Evals     []*Evaluation
	WriteRequest
}

// NodeUpdateEligibilityRequest marks a node eligible or ineligible for new
// placements. It is also the Raft entry, with the evaluations it creates.
type NodeUpdateEligibilityRequest struct {
	NodeID      string
	Eligibility string
	UpdatedAt   int64
	NodeEvent   *NodeEvent
	Evals       []*Evaluation
	WriteRequest
}

// NodeUpdateDrainRequest starts (DrainStrategy set) or stops (nil) a
// node's drain. Starting one makes the node ineligible; stopping one leaves
// it ineligible unless MarkEligible. It is also the Raft entry.
type NodeUpdateDrainRequest struct {
	NodeID        string
	DrainStrategy *DrainStrategy
	MarkEligible  bool
	UpdatedAt     int64
	NodeEvent     *NodeEvent
	Evals         []*Evaluation
	WriteRequest
}

// NodeEligibilityUpdateResponse answers an eligibility change.
type NodeEligibilityUpdateResponse struct {
	EvalIDs         []string
	EvalCreateIndex uint64
	NodeModifyIndex uint64
	QueryMeta
}

// NodeDrainUpdateResponse answers a drain change.
type NodeDrainUpdateResponse struct {
	EvalIDs         []string
	EvalCreateIndex uint64
	NodeModifyIndex uint64
	QueryMeta
}

// ValidNodeEligibility reports whether s is a scheduling eligibility.
func ValidNodeEligibility(s string) bool {
	return s == NodeSchedulingEligible || s == NodeSchedulingIneligible
}

// Validate checks the parts of a drain an operator chooses.
func (d *DrainStrategy) Validate() error {
	if d == nil {
		return nil
	}
	if d.Deadline < -1 {
		return &ValidationError{Problems: []FieldError{{Path: "DrainSpec.Deadline",
			Message: fmt.Sprintf("%d: want a duration in nanoseconds, 0 for no deadline or -1 to force at once", d.Deadline)}}}
	}
	return nil
}

// DeadlineReached reports whether a drain must stop what is left on the
// node now (unix nanoseconds): a forced drain (Deadline -1) at once, one
// with a deadline once ForceDeadline passes, one without (0) never.
func (d *DrainStrategy) DeadlineReached(now int64) bool {
	switch {
	case d == nil || d.Deadline == 0:
		return false
	case d.Deadline < 0:
		return true
	}
	return d.ForceDeadline != 0 && now >= d.ForceDeadline
}
