package state

import (
	"errors"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// ErrNodeDraining refuses to make a draining node eligible: the drain
// must be stopped first (with MarkEligible, or followed by an eligibility
// change).
var ErrNodeDraining = errors.New("node is draining; stop the drain before marking it eligible")

// UpdateNodeStatusLost changes a node's status like UpdateNodeStatus and,
// when the new status is down, marks every allocation on the node that is
// neither stopped nor finished as lost, in the same transaction. It
// returns the allocations it marked.
func (s *StateStore) UpdateNodeStatusLost(index uint64, nodeID, status string, updatedAt int64, event *structs.NodeEvent) ([]*structs.Allocation, error) {
	var lost []*structs.Allocation
	err := s.write(func(txn *memdb.Txn) error {
		lost = nil
		node, err := nodeForUpdateTxn(txn, nodeID)
		if err != nil {
			return err
		}
		node.Status = status
		node.StatusUpdatedAt = updatedAt
		if err := insertNodeTxn(txn, index, node, event); err != nil {
			return err
		}
		if status == structs.NodeStatusDown {
			// A down node's services leave discovery in this same
			// transaction (services.go). A disconnected node keeps
			// them: its allocations may still run and come back.
			if err := deleteNodeServicesTxn(txn, index, nodeID); err != nil {
				return err
			}
		}
		if status != structs.NodeStatusDown && status != structs.NodeStatusDisconnected {
			return nil
		}
		it, err := txn.Get(tableAllocs, "node", nodeID)
		if err != nil {
			return fmt.Errorf("allocs of node: %w", err)
		}
		var live []*structs.Allocation
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if a := raw.(*structs.Allocation); !a.TerminalStatus() {
				live = append(live, a)
			}
		}
		changes := jobChanges{}
		for _, a := range live {
			c := *a
			if status == structs.NodeStatusDisconnected {
				// A disconnected node keeps the allocations of groups
				// with lost_after as unknown (node_disconnect.go).
				if !disconnectAlloc(&c, updatedAt) {
					continue
				}
			} else {
				c.ClientStatus = structs.AllocClientStatusLost
				c.ClientDescription = structs.AllocDescNodeDown
				c.DesiredDescription = structs.AllocDescNodeDown
			}
			c.ModifyIndex = index
			c.ModifyTime = updatedAt * 1e9
			if err := txn.Insert(tableAllocs, &c); err != nil {
				return fmt.Errorf("insert alloc: %w", err)
			}
			lost = append(lost, &c)
			changes.alloc(a, &c)
		}
		if err := changes.apply(txn, index); err != nil {
			return err
		}
		if len(live) == 0 {
			return nil
		}
		return setIndex(txn, index, tableAllocs)
	})
	return lost, err
}

// UpdateNodeEligibility sets a node's scheduling eligibility. A draining
// node cannot be made eligible (ErrNodeDraining).
func (s *StateStore) UpdateNodeEligibility(index uint64, nodeID, eligibility string, updatedAt int64, event *structs.NodeEvent) error {
	if !structs.ValidNodeEligibility(eligibility) {
		return fmt.Errorf("eligibility %q: want %q or %q", eligibility, structs.NodeSchedulingEligible, structs.NodeSchedulingIneligible)
	}
	return s.write(func(txn *memdb.Txn) error {
		node, err := nodeForUpdateTxn(txn, nodeID)
		if err != nil {
			return err
		}
		if eligibility == structs.NodeSchedulingEligible && node.DrainStrategy != nil {
			return fmt.Errorf("node %q: %w", nodeID, ErrNodeDraining)
		}
		node.SchedulingEligibility = eligibility
		if updatedAt != 0 {
			node.StatusUpdatedAt = updatedAt
		}
		return insertNodeTxn(txn, index, node, event)
	})
}

// UpdateNodeDrain starts a drain (strategy non-nil: the node becomes
// draining and ineligible) or ends one (nil: the node stops draining and
// becomes eligible only when markEligible).
func (s *StateStore) UpdateNodeDrain(index uint64, nodeID string, strategy *structs.DrainStrategy, markEligible bool, updatedAt int64, event *structs.NodeEvent) error {
	return s.write(func(txn *memdb.Txn) error {
		node, err := nodeForUpdateTxn(txn, nodeID)
		if err != nil {
			return err
		}
		if strategy != nil {
			d := *strategy
			node.Drain = true
			node.DrainStrategy = &d
			node.SchedulingEligibility = structs.NodeSchedulingIneligible
		} else {
			node.Drain = false
			node.DrainStrategy = nil
			if markEligible {
				node.SchedulingEligibility = structs.NodeSchedulingEligible
			}
		}
		if updatedAt != 0 {
			node.StatusUpdatedAt = updatedAt
		}
		return insertNodeTxn(txn, index, node, event)
	})
}

// DrainingNodes returns the nodes with a drain in progress.
func (s *StateStore) DrainingNodes(ws memdb.WatchSet) ([]*structs.Node, error) {
	it, err := get(s.read(), ws, tableNodes, "id")
	if err != nil {
		return nil, err
	}
	var out []*structs.Node
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if n := raw.(*structs.Node); n.DrainStrategy != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// nodeForUpdateTxn returns a copy of a node to change, or ErrNotFound.
func nodeForUpdateTxn(txn *memdb.Txn, nodeID string) (*structs.Node, error) {
	raw, err := txn.First(tableNodes, "id", nodeID)
	if err != nil {
		return nil, fmt.Errorf("node lookup: %w", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("node %q: %w", nodeID, structs.ErrNotFound)
	}
	return raw.(*structs.Node).Copy(), nil
}

// insertNodeTxn writes a changed node with event appended.
func insertNodeTxn(txn *memdb.Txn, index uint64, node *structs.Node, event *structs.NodeEvent) error {
	node.ModifyIndex = index
	if event != nil {
		e := *event
		e.CreateIndex = index
		node.Events = appendNodeEvent(node.Events, &e)
	}
	if err := txn.Insert(tableNodes, node); err != nil {
		return fmt.Errorf("insert node: %w", err)
	}
	return setIndex(txn, index, tableNodes)
}
