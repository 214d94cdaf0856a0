package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// maxNodeEvents bounds the events kept on a node.
const maxNodeEvents = 10

// UpsertNode registers a node or updates its fingerprint. An update keeps
// the operator's choices (eligibility, drain) from the stored node.
func (s *StateStore) UpsertNode(index uint64, node *structs.Node) error {
	return s.write(func(txn *memdb.Txn) error {
		raw, err := txn.First(tableNodes, "id", node.ID)
		if err != nil {
			return fmt.Errorf("node lookup: %w", err)
		}
		if raw != nil {
			existing := raw.(*structs.Node)
			node.CreateIndex = existing.CreateIndex
			node.SchedulingEligibility = existing.SchedulingEligibility
			node.Drain = existing.Drain
			node.DrainStrategy = existing.DrainStrategy
			if len(node.Events) == 0 {
				node.Events = existing.Events
			}
		} else {
			node.CreateIndex = index
			node.Events = appendNodeEvent(node.Events, &structs.NodeEvent{
				Message: "Node registered", Subsystem: "Cluster", Timestamp: node.StatusUpdatedAt, CreateIndex: index,
			})
		}
		node.Canonicalize()
		node.ModifyIndex = index
		if err := txn.Insert(tableNodes, node); err != nil {
			return fmt.Errorf("insert node: %w", err)
		}
		return setIndex(txn, index, tableNodes)
	})
}

// DeleteNode removes nodes; an unknown ID is an error and nothing is removed.
func (s *StateStore) DeleteNode(index uint64, nodeIDs []string) error {
	return s.write(func(txn *memdb.Txn) error {
		for _, id := range nodeIDs {
			n, err := txn.DeleteAll(tableNodes, "id", id)
			if err != nil {
				return fmt.Errorf("delete node %q: %w", id, err)
			}
			if n == 0 {
				return fmt.Errorf("node %q: %w", id, structs.ErrNotFound)
			}
			if err := deleteNodeServicesTxn(txn, index, id); err != nil {
				return err
			}
		}
		return setIndex(txn, index, tableNodes)
	})
}

// UpdateNodeStatus changes a node's status, recording event if given.
func (s *StateStore) UpdateNodeStatus(index uint64, nodeID, status string, updatedAt int64, event *structs.NodeEvent) error {
	return s.write(func(txn *memdb.Txn) error {
		raw, err := txn.First(tableNodes, "id", nodeID)
		if err != nil {
			return fmt.Errorf("node lookup: %w", err)
		}
		if raw == nil {
			return fmt.Errorf("node %q: %w", nodeID, structs.ErrNotFound)
		}
		node := raw.(*structs.Node).Copy()
		node.Status = status
		node.StatusUpdatedAt = updatedAt
		node.ModifyIndex = index
		if event != nil {
			e := *event
			e.CreateIndex = index
			node.Events = appendNodeEvent(node.Events, &e)
		}
		if err := txn.Insert(tableNodes, node); err != nil {
			return fmt.Errorf("insert node: %w", err)
		}
		if status == structs.NodeStatusDown {
			// A down node's services leave discovery with it (services.go).
			if err := deleteNodeServicesTxn(txn, index, nodeID); err != nil {
				return err
			}
		}
		return setIndex(txn, index, tableNodes)
	})
}

func appendNodeEvent(events []*structs.NodeEvent, e *structs.NodeEvent) []*structs.NodeEvent {
	events = append(events, e)
	if len(events) > maxNodeEvents {
		events = events[len(events)-maxNodeEvents:]
	}
	return events
}

// NodeByID returns a node or nil.
func (s *StateStore) NodeByID(ws memdb.WatchSet, id string) (*structs.Node, error) {
	raw, err := first(s.read(), ws, tableNodes, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Node), nil
}

// Nodes iterates every node.
func (s *StateStore) Nodes(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableNodes, "id")
}

// NodesByIDPrefix iterates nodes whose ID starts with prefix.
func (s *StateStore) NodesByIDPrefix(ws memdb.WatchSet, prefix string) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableNodes, "id_prefix", prefix)
}
