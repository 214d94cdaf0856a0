package nomadish

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Node is the RPC endpoint for client nodes.
type Node struct {
	srv    *Server
	logger hclog.Logger
}

// Register registers a client node or refreshes its fingerprint, and
// hands it a heartbeat TTL. A node that is new and ready, or becomes ready,
// gets evaluations for the system jobs that could run on it.
func (n *Node) Register(args *structs.NodeRegisterRequest, reply *structs.NodeUpdateResponse) error {
	if done, err := n.srv.forward("Node.Register", args, args, reply); done {
		return err
	}
	if args.Node == nil {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Node", Message: "missing"}}}
	}
	if err := args.Node.Validate(); err != nil {
		return err
	}
	args.Node.Canonicalize()
	args.Node.ComputeClass()
	now := n.srv.clock().Now()
	if args.Node.StatusUpdatedAt == 0 {
		args.Node.StatusUpdatedAt = now.Unix()
	}
	prev, err := n.srv.State().NodeByID(nil, args.Node.ID)
	if err != nil {
		return err
	}
	// Another machine must not take over a registered node's identity.
	if err := checkNodeSecret(prev, args.Node.SecretID); err != nil {
		return fmt.Errorf("register node %q: %w", args.Node.ID, err)
	}
	_, index, err := n.srv.raftApply(structs.NodeRegisterRequestType, args)
	if err != nil {
		return fmt.Errorf("register node %q: %w", args.Node.ID, err)
	}
	reply.NodeModifyIndex = index
	reply.Index = index

	becameReady := args.Node.Status == structs.NodeStatusReady && (prev == nil || prev.Status != structs.NodeStatusReady)
	if becameReady {
		node, err := n.srv.State().NodeByID(nil, args.Node.ID)
		if err != nil || node == nil {
			return fmt.Errorf("register node %q: read back: %w", args.Node.ID, err)
		}
		if err := n.createEvals(node, structs.NodeStatusReady, now, reply); err != nil {
			return err
		}
	}
	n.heartbeatReply(args.Node.ID, args.Node.Status, reply)
	return nil
}

// createEvals writes the evaluations a node change calls for, if any, and
// records them in reply.
func (n *Node) createEvals(node *structs.Node, status string, now time.Time, reply *structs.NodeUpdateResponse) error {
	evals := n.srv.nodeEvals(node, status, now)
	if len(evals) == 0 {
		return nil
	}
	_, index, err := n.srv.raftApply(structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: evals})
	if err != nil {
		return fmt.Errorf("create evaluations for node %q: %w", node.ID, err)
	}
	reply.EvalIDs = evalIDs(evals)
	reply.EvalCreateIndex = index
	reply.Index = index
	return nil
}

// heartbeatReply resets the node's heartbeat timer (unless it is down) and
// fills in what a client needs to keep heartbeating: its TTL, the leader,
// the number of nodes and the servers of the region.
func (n *Node) heartbeatReply(nodeID, status string, reply *structs.NodeUpdateResponse) {
	if status == structs.NodeStatusDown {
		n.srv.heartbeats.clear(nodeID)
	} else {
		reply.HeartbeatTTL = n.srv.heartbeats.reset(nodeID)
	}
	reply.LeaderRPCAddr = n.srv.Leader()
	reply.NumNodes = int32(n.srv.heartbeats.count())
	reply.Servers = n.srv.nodeServers()
}

// Deregister removes nodes.
func (n *Node) Deregister(args *structs.NodeDeregisterRequest, reply *structs.NodeUpdateResponse) error {
	if done, err := n.srv.forward("Node.Deregister", args, args, reply); done {
		return err
	}
	if len(args.NodeIDs) == 0 {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "NodeIDs", Message: "at least one node ID is required"}}}
	}
	for _, id := range args.NodeIDs {
		node, err := n.srv.State().NodeByID(nil, id)
		if err != nil {
			return err
		}
		if node == nil {
			return fmt.Errorf("node %q: %w", id, structs.ErrNotFound)
		}
	}
	_, index, err := n.srv.raftApply(structs.NodeDeregisterRequestType, args)
	if err != nil {
		return fmt.Errorf("deregister nodes: %w", err)
	}
	for _, id := range args.NodeIDs {
		n.srv.heartbeats.clear(id)
	}
	reply.NodeModifyIndex = index
	reply.Index = index
	return nil
}

// UpdateStatus changes a node's status; with an unchanged status it is the
// client's heartbeat. Becoming ready creates evaluations for system jobs;
// leaving ready creates them for the jobs with allocations on the node;
// becoming down also marks those allocations lost, in the same Raft entry.
func (n *Node) UpdateStatus(args *structs.NodeUpdateStatusRequest, reply *structs.NodeUpdateResponse) error {
	if done, err := n.srv.forward("Node.UpdateStatus", args, args, reply); done {
		return err
	}
	if args.NodeID == "" {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "NodeID", Message: "required"}}}
	}
	if !structs.ValidNodeStatus(args.Status) {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Status",
			Message: fmt.Sprintf("unknown status %q; accepted: %q, %q, %q, %q", args.Status,
				structs.NodeStatusInit, structs.NodeStatusReady, structs.NodeStatusDown, structs.NodeStatusDisconnected)}}}
	}
	node, err := n.srv.State().NodeByID(nil, args.NodeID)
	if err != nil {
		return err
	}
	if node == nil {
		return fmt.Errorf("node %q: %w", args.NodeID, structs.ErrNotFound)
	}
	if err := checkNodeSecret(node, args.SecretID); err != nil {
		return fmt.Errorf("update status of node %q: %w", args.NodeID, err)
	}
	now := n.srv.clock().Now()
	if args.UpdatedAt == 0 {
		args.UpdatedAt = now.Unix()
	}
	index := node.ModifyIndex
	if node.Status != args.Status {
		if args.NodeEvent == nil {
			args.NodeEvent = &structs.NodeEvent{
				Message:   fmt.Sprintf("Node status changed from %s to %s", node.Status, args.Status),
				Subsystem: "Cluster",
				Timestamp: args.UpdatedAt,
			}
		}
		var evals []*structs.Evaluation
		if args.Status == structs.NodeStatusReady || node.Status == structs.NodeStatusReady || args.Status == structs.NodeStatusDown {
			evals = n.srv.nodeEvals(node, args.Status, now)
		}
		req := &structs.NodeUpdateStatusEvalsRequest{NodeID: args.NodeID, Status: args.Status, UpdatedAt: args.UpdatedAt,
			NodeEvent: args.NodeEvent, Evals: evals, WriteRequest: args.WriteRequest}
		if _, index, err = n.srv.raftApply(structs.NodeUpdateStatusEvalsRequestType, req); err != nil {
			return fmt.Errorf("update status of node %q: %w", args.NodeID, err)
		}
		if len(evals) > 0 {
			reply.EvalIDs = evalIDs(evals)
			reply.EvalCreateIndex = index
		}
	}
	reply.NodeModifyIndex = index
	reply.Index = index
	// A client back from a disconnection sends its reports again, so
	// that its unknown allocations are known again (node_disconnect.go).
	reply.Reconnected = node.Status == structs.NodeStatusDisconnected && args.Status == structs.NodeStatusReady
	n.heartbeatReply(args.NodeID, args.Status, reply)
	return nil
}

// GetNode returns one node, or a nil Node when it does not exist. The
// node's secret is never returned.
func (n *Node) GetNode(args *structs.NodeSpecificRequest, reply *structs.SingleNodeResponse) error {
	if done, err := n.srv.forward("Node.GetNode", args, args, reply); done {
		return err
	}
	return n.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			node, err := st.NodeByID(ws, args.NodeID)
			if err != nil {
				return err
			}
			reply.Node = nil
			if node != nil {
				clean := *node
				clean.SecretID = ""
				reply.Node = &clean
			}
			return setIndexFromObject(st, &reply.QueryMeta, "nodes", node != nil, func() uint64 { return node.ModifyIndex })
		},
	})
}

// List lists nodes, optionally by ID prefix.
func (n *Node) List(args *structs.NodeListRequest, reply *structs.NodeListResponse) error {
	if done, err := n.srv.forward("Node.List", args, args, reply); done {
		return err
	}
	return n.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			it, err := st.NodesByIDPrefix(ws, args.Prefix)
			if err != nil {
				return err
			}
			nodes := []*structs.NodeListStub{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				nodes = append(nodes, raw.(*structs.Node).Stub())
			}
			reply.Nodes = nodes
			return setTableIndex(st, &reply.QueryMeta, "nodes")
		},
	})
}

// GetAllocs lists a node's allocations as list stubs.
func (n *Node) GetAllocs(args *structs.NodeSpecificRequest, reply *structs.JobAllocationsResponse) error {
	if done, err := n.srv.forward("Node.GetAllocs", args, args, reply); done {
		return err
	}
	return n.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			allocs, err := st.AllocsByNode(ws, args.NodeID)
			if err != nil {
				return err
			}
			reply.Allocations = allocStubs(allocs)
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}

// GetClientAllocs returns, for a node's client, which proves itself with
// the node's SecretID, the ID and AllocModifyIndex of each of the node's
// allocations; the client then fetches the new and changed ones with
// Alloc.GetAllocs. A node not (yet) registered in this server's state has
// no allocations.
func (n *Node) GetClientAllocs(args *structs.NodeSpecificRequest, reply *structs.NodeClientAllocsResponse) error {
	if done, err := n.srv.forward("Node.GetClientAllocs", args, args, reply); done {
		return err
	}
	return n.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			node, err := st.NodeByID(ws, args.NodeID)
			if err != nil {
				return err
			}
			if err := checkNodeSecret(node, args.SecretID); err != nil {
				return fmt.Errorf("allocations of node %q: %w", args.NodeID, err)
			}
			allocs, err := st.AllocsByNode(ws, args.NodeID)
			if err != nil {
				return err
			}
			reply.Allocs = make(map[string]uint64, len(allocs))
			for _, a := range allocs {
				reply.Allocs[a.ID] = a.AllocModifyIndex
			}
			return setNodeAllocsIndex(st, &reply.QueryMeta, allocs, args.MinQueryIndex)
		},
	})
}

// setNodeAllocsIndex sets a node's allocation query index to the newest
// AllocModifyIndex among the node's own allocations: the index of the
// last change the servers made to them (placement, stop, new job
// version), not of the client's own reports, as in Nomad. So a client
// polling again with it blocks until one of its allocations changes on
// the server's side, rather than returning at once after any allocation
// write in the cluster or echoing back the status it has just sent (which
// would cost a full response per acknowledgement). A node without
// allocations gets the table's index, but never more than the minIndex it
// asked with: otherwise every write of another node's allocations would
// answer it at once, and a fleet of empty nodes would spin. Garbage
// collection removing some of a node's (terminal) allocations does not
// raise the index: the client learns of it with the next change.
func setNodeAllocsIndex(st *state.StateStore, meta *structs.QueryMeta, allocs []*structs.Allocation, minIndex uint64) error {
	if len(allocs) == 0 {
		if err := setTableIndex(st, meta, "allocs"); err != nil {
			return err
		}
		if minIndex > 0 && meta.Index > minIndex {
			meta.Index = minIndex
		}
		return nil
	}
	var max uint64
	for _, a := range allocs {
		if a.AllocModifyIndex > max {
			max = a.AllocModifyIndex
		}
	}
	meta.Index = max
	return nil
}
