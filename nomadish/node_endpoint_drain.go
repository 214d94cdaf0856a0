package nomadish

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Node events written by eligibility and drain changes.
const (
	nodeEventEligible    = "Node marked as eligible for scheduling"
	nodeEventIneligible  = "Node marked as ineligible for scheduling"
	nodeEventDrainSet    = "Node drain strategy set"
	nodeEventDrainOff    = "Node drain disabled"
	nodeEventDrainDone   = "Node drain complete"
	nodeEventDrainUpdate = "Node drain strategy updated"
)

// UpdateEligibility marks a node eligible or ineligible for new
// placements. A draining node cannot be made eligible: stop the drain
// first. Becoming eligible creates evaluations for the system jobs that
// could run on the node.
func (n *Node) UpdateEligibility(args *structs.NodeUpdateEligibilityRequest, reply *structs.NodeEligibilityUpdateResponse) error {
	if done, err := n.srv.forward("Node.UpdateEligibility", args, args, reply); done {
		return err
	}
	if args.NodeID == "" {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "NodeID", Message: "required"}}}
	}
	if !structs.ValidNodeEligibility(args.Eligibility) {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Eligibility",
			Message: fmt.Sprintf("%q: want %q or %q", args.Eligibility, structs.NodeSchedulingEligible, structs.NodeSchedulingIneligible)}}}
	}
	node, err := n.srv.State().NodeByID(nil, args.NodeID)
	if err != nil {
		return err
	}
	if node == nil {
		return fmt.Errorf("node %q: %w", args.NodeID, structs.ErrNotFound)
	}
	if args.Eligibility == structs.NodeSchedulingEligible && node.DrainStrategy != nil {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Eligibility",
			Message: fmt.Sprintf("node %q is draining; stop the drain (node drain -disable) before marking it eligible", node.ID)}}}
	}
	reply.NodeModifyIndex = node.ModifyIndex
	reply.Index = node.ModifyIndex
	if node.SchedulingEligibility == args.Eligibility {
		return nil
	}
	now := n.srv.clock().Now()
	msg := nodeEventIneligible
	if args.Eligibility == structs.NodeSchedulingEligible {
		msg = nodeEventEligible
		if node.Status == structs.NodeStatusReady {
			args.Evals = n.srv.nodeEvals(node, structs.NodeStatusReady, now)
		}
	}
	args.UpdatedAt = now.Unix()
	args.NodeEvent = &structs.NodeEvent{Message: msg, Subsystem: "Cluster", Timestamp: now.Unix()}
	_, index, err := n.srv.raftApply(structs.NodeUpdateEligibilityRequestType, args)
	if err != nil {
		return fmt.Errorf("update eligibility of node %q: %w", args.NodeID, err)
	}
	reply.NodeModifyIndex = index
	reply.Index = index
	if len(args.Evals) > 0 {
		reply.EvalIDs = evalIDs(args.Evals)
		reply.EvalCreateIndex = index
	}
	return nil
}

// UpdateDrain starts, changes or stops a node's drain. Starting one makes
// the node ineligible and creates evaluations (node-drain) for the jobs
// with allocations on it, so the scheduler migrates them; the leader's
// drainer stops what is left at the deadline and ends the drain when
// nothing is left. Stopping a drain leaves the node ineligible unless
// MarkEligible.
func (n *Node) UpdateDrain(args *structs.NodeUpdateDrainRequest, reply *structs.NodeDrainUpdateResponse) error {
	if done, err := n.srv.forward("Node.UpdateDrain", args, args, reply); done {
		return err
	}
	if args.NodeID == "" {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "NodeID", Message: "required"}}}
	}
	if err := args.DrainStrategy.Validate(); err != nil {
		return err
	}
	node, err := n.srv.State().NodeByID(nil, args.NodeID)
	if err != nil {
		return err
	}
	if node == nil {
		return fmt.Errorf("node %q: %w", args.NodeID, structs.ErrNotFound)
	}
	now := n.srv.clock().Now()
	args.UpdatedAt = now.Unix()
	event := &structs.NodeEvent{Subsystem: "Drain", Timestamp: now.Unix(), Details: map[string]string{}}
	if d := args.DrainStrategy; d != nil {
		d.StartedAt = now.UnixNano()
		if node.DrainStrategy != nil && node.DrainStrategy.StartedAt != 0 {
			d.StartedAt = node.DrainStrategy.StartedAt
		}
		d.ForceDeadline = 0
		if d.Deadline > 0 {
			d.ForceDeadline = now.Add(time.Duration(d.Deadline)).UnixNano()
		}
		event.Message = nodeEventDrainSet
		if node.DrainStrategy != nil {
			event.Message = nodeEventDrainUpdate
		}
		event.Details["deadline"] = time.Duration(d.Deadline).String()
		if d.IgnoreSystemJobs {
			event.Details["ignore_system_jobs"] = "true"
		}
		args.MarkEligible = false
		args.Evals = n.srv.jobEvalsForNode(node, false, structs.EvalTriggerNodeDrain, now)
	} else {
		if node.DrainStrategy == nil && !args.MarkEligible {
			reply.NodeModifyIndex = node.ModifyIndex
			reply.Index = node.ModifyIndex
			return nil
		}
		event.Message = nodeEventDrainOff
		if args.MarkEligible && node.Status == structs.NodeStatusReady {
			args.Evals = n.srv.nodeEvals(node, structs.NodeStatusReady, now)
		}
	}
	args.NodeEvent = event
	_, index, err := n.srv.raftApply(structs.NodeUpdateDrainRequestType, args)
	if err != nil {
		return fmt.Errorf("update drain of node %q: %w", args.NodeID, err)
	}
	reply.NodeModifyIndex = index
	reply.Index = index
	if len(args.Evals) > 0 {
		reply.EvalIDs = evalIDs(args.Evals)
		reply.EvalCreateIndex = index
	}
	n.srv.drainer.wake()
	return nil
}
