package nomadish

import "github.com/nomadish/nomadish/nomadish/structs"

// FSM handlers of the node lifecycle's Raft entries: status changes that
// carry evaluations (a node going down loses its allocations in the same
// entry), eligibility and drain.

func (f *FSM) applyNodeUpdateStatusEvals(buf []byte, index uint64) error {
	var req structs.NodeUpdateStatusEvalsRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	st := f.State()
	if _, err := st.UpdateNodeStatusLost(index, req.NodeID, req.Status, req.UpdatedAt, req.NodeEvent); err != nil {
		return err
	}
	return f.upsertEvals(st, index, req.Evals...)
}

func (f *FSM) applyNodeUpdateEligibility(buf []byte, index uint64) error {
	var req structs.NodeUpdateEligibilityRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	st := f.State()
	if err := st.UpdateNodeEligibility(index, req.NodeID, req.Eligibility, req.UpdatedAt, req.NodeEvent); err != nil {
		return err
	}
	return f.upsertEvals(st, index, req.Evals...)
}

func (f *FSM) applyNodeUpdateDrain(buf []byte, index uint64) error {
	var req structs.NodeUpdateDrainRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	st := f.State()
	if err := st.UpdateNodeDrain(index, req.NodeID, req.DrainStrategy, req.MarkEligible, req.UpdatedAt, req.NodeEvent); err != nil {
		return err
	}
	return f.upsertEvals(st, index, req.Evals...)
}
