package nomadish

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// FSM hooks for the scheduling pipeline: the leader's blocked-evals
// tracker learns from them when capacity may have appeared.

// SetNodeHook registers fn to be called after every applied entry that
// registers a node or changes its status, eligibility or drain, with the
// entry's index and the nodes as stored (deleted nodes left out). fn must
// not block. nil removes it.
func (f *FSM) SetNodeHook(fn func(index uint64, nodes []*structs.Node)) {
	f.hookMu.Lock()
	f.nodeHook = fn
	f.hookMu.Unlock()
}

// SetAllocHook registers fn to be called after every applied entry that
// writes allocations (plan results, client updates), with the entry's
// index and the allocations as the entry carried them (a client update may
// carry only ID and statuses). fn must not block. nil removes it.
func (f *FSM) SetAllocHook(fn func(index uint64, allocs []*structs.Allocation)) {
	f.hookMu.Lock()
	f.allocHook = fn
	f.hookMu.Unlock()
}

func (f *FSM) allocsApplied(index uint64, allocs []*structs.Allocation) {
	if len(allocs) == 0 {
		return
	}
	f.hookMu.RLock()
	fn := f.allocHook
	f.hookMu.RUnlock()
	if fn != nil {
		f.afterCommit(func() { fn(index, allocs) })
	}
}

// nodeChange is the part of every node request the node hook needs.
type nodeChange struct {
	NodeID  string
	NodeIDs []string
	Node    *struct{ ID string }
}

// notifyNodeChange tells the node hook about the nodes an applied entry
// of a node message type changed. It decodes only the node IDs, so node
// handlers need not know of the hook.
func (f *FSM) notifyNodeChange(t structs.MessageType, buf []byte, index uint64) {
	switch t {
	case structs.NodeRegisterRequestType, structs.NodeUpdateStatusRequestType,
		structs.NodeUpdateStatusEvalsRequestType, structs.NodeUpdateEligibilityRequestType,
		structs.NodeUpdateDrainRequestType:
	default:
		return
	}
	f.hookMu.RLock()
	fn := f.nodeHook
	f.hookMu.RUnlock()
	if fn == nil {
		return
	}
	var c nodeChange
	if err := structs.Decode(buf, &c); err != nil {
		f.logger.Warn("decode of node change for the node hook failed", "index", index, "error", err)
		return
	}
	ids := c.NodeIDs
	if c.NodeID != "" {
		ids = append(ids, c.NodeID)
	}
	if c.Node != nil && c.Node.ID != "" {
		ids = append(ids, c.Node.ID)
	}
	st := f.State()
	var nodes []*structs.Node
	for _, id := range ids {
		if n, err := st.NodeByID(nil, id); err == nil && n != nil {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) > 0 {
		fn(index, nodes)
	}
}

// applyPlanResults commits a plan the leader's plan applier checked: its
// allocations and deployment in one state transaction.
func (f *FSM) applyPlanResults(buf []byte, index uint64) error {
	var req structs.ApplyPlanResultsRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if err := checkEntryPlanResults(&req); err != nil {
		return err
	}
	dropped, err := f.State().CommitPlanResults(index, &req)
	if err != nil {
		return err
	}
	if len(dropped) > 0 {
		f.logger.Warn("plan placed allocations on nodes that went down before it committed; those placements were left out",
			"eval_ids", req.EvalIDs, "index", index, "nodes", dropped)
		f.response = &structs.PlanCommitOutcome{DroppedNodes: dropped}
	}
	if n := len(req.AllocsStopped) + len(req.AllocsPreempted); n > 0 {
		freed := make([]*structs.Allocation, 0, n)
		freed = append(freed, req.AllocsStopped...)
		freed = append(freed, req.AllocsPreempted...)
		f.allocsApplied(index, freed)
	}
	return nil
}
