package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodeEligibilityBody is the body of POST /v1/node/:id/eligibility.
type nodeEligibilityBody struct {
	NodeID      string
	Eligibility string
}

// drainSpec is what an operator asks of a drain: a deadline in
// nanoseconds (0 none, -1 force at once) and whether system jobs stay.
type drainSpec struct {
	Deadline         int64
	IgnoreSystemJobs bool
}

// nodeDrainBody is the body of POST /v1/node/:id/drain. A null DrainSpec
// stops the drain.
type nodeDrainBody struct {
	NodeID       string
	DrainSpec    *drainSpec
	MarkEligible bool
	Meta         map[string]string
}

// nodeUpdateResponse answers both: Nomad's shape.
type nodeUpdateResponse struct {
	EvalIDs         []string
	EvalCreateIndex uint64
	NodeModifyIndex uint64
	Index           uint64
}

func (s *HTTPServer) nodeEligibility(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body nodeEligibilityBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.NodeID != "" && body.NodeID != id {
		return nil, badRequest("NodeID: %q does not match the node ID %q in the path", body.NodeID, id)
	}
	if body.Eligibility != structs.NodeSchedulingEligible && body.Eligibility != structs.NodeSchedulingIneligible {
		return nil, badRequest("Eligibility: %q is not a scheduling eligibility; want %q or %q",
			body.Eligibility, structs.NodeSchedulingEligible, structs.NodeSchedulingIneligible)
	}
	args := structs.NodeUpdateEligibilityRequest{NodeID: id, Eligibility: body.Eligibility}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.NodeEligibilityUpdateResponse
	if err := s.backend.RPC("Node.UpdateEligibility", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return nodeUpdateResponse{EvalIDs: out.EvalIDs, EvalCreateIndex: out.EvalCreateIndex, NodeModifyIndex: out.NodeModifyIndex, Index: out.Index}, nil
}

func (s *HTTPServer) nodeDrain(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body nodeDrainBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.NodeID != "" && body.NodeID != id {
		return nil, badRequest("NodeID: %q does not match the node ID %q in the path", body.NodeID, id)
	}
	args := structs.NodeUpdateDrainRequest{NodeID: id, MarkEligible: body.MarkEligible}
	if d := body.DrainSpec; d != nil {
		if d.Deadline < -1 {
			return nil, badRequest("DrainSpec.Deadline: %d is not a deadline; want nanoseconds, 0 for none or -1 to force at once", d.Deadline)
		}
		args.DrainStrategy = &structs.DrainStrategy{Deadline: d.Deadline, IgnoreSystemJobs: d.IgnoreSystemJobs}
	}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.NodeDrainUpdateResponse
	if err := s.backend.RPC("Node.UpdateDrain", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return nodeUpdateResponse{EvalIDs: out.EvalIDs, EvalCreateIndex: out.EvalCreateIndex, NodeModifyIndex: out.NodeModifyIndex, Index: out.Index}, nil
}
