package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The services table holds the service instances clients register
// (structs.ServiceRegistration). Registrations live only as long as the
// allocation and the node they belong to: the client removes an
// allocation's when it stops, and a node marked down loses all of its in
// the transaction that marks it (node_ops.go, nodes.go).

func servicesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableServices,
		Indexes: map[string]*memdb.IndexSchema{
			"id":           {Name: "id", Unique: true, Indexer: stringField("ID")},
			"service_name": {Name: "service_name", Indexer: nsAndID("ServiceName")},
			"namespace":    {Name: "namespace", Indexer: stringField("Namespace")},
			"alloc_id":     {Name: "alloc_id", Indexer: stringField("AllocID")},
			"node_id":      {Name: "node_id", Indexer: stringField("NodeID")},
		},
	}
}

// UpsertServiceRegistrations writes registrations. One equal to the
// stored one (leaving indexes aside) is left as it is, so that a client
// re-sending its registrations wakes no blocking query. A registration of
// an allocation the store does not know, or one that is stopped or done,
// is dropped: it arrived after the allocation's deregistration, and
// writing it would leave an instance no one removes.
func (s *StateStore) UpsertServiceRegistrations(index uint64, regs []*structs.ServiceRegistration) error {
	return s.write(func(txn *memdb.Txn) error {
		changed := false
		for _, r := range regs {
			if r == nil {
				continue
			}
			raw, err := txn.First(tableAllocs, "id", r.AllocID)
			if err != nil {
				return fmt.Errorf("alloc lookup: %w", err)
			}
			if raw == nil || raw.(*structs.Allocation).TerminalStatus() {
				continue
			}
			existing, err := txn.First(tableServices, "id", r.ID)
			if err != nil {
				return fmt.Errorf("service registration lookup: %w", err)
			}
			c := r.Copy()
			if existing != nil {
				old := existing.(*structs.ServiceRegistration)
				if old.Equal(c) {
					continue
				}
				c.CreateIndex = old.CreateIndex
			} else {
				c.CreateIndex = index
			}
			c.ModifyIndex = index
			if err := txn.Insert(tableServices, c); err != nil {
				return fmt.Errorf("insert service registration %q: %w", c.ID, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
		return setIndex(txn, index, tableServices)
	})
}

// DeleteServiceRegistrationByID removes one registration of namespace; an
// unknown ID (or one of another namespace) is structs.ErrNotFound.
func (s *StateStore) DeleteServiceRegistrationByID(index uint64, namespace, id string) error {
	return s.write(func(txn *memdb.Txn) error {
		raw, err := txn.First(tableServices, "id", id)
		if err != nil {
			return fmt.Errorf("service registration lookup: %w", err)
		}
		if raw == nil || raw.(*structs.ServiceRegistration).Namespace != namespace {
			return fmt.Errorf("service registration %q in namespace %q: %w", id, namespace, structs.ErrNotFound)
		}
		if err := txn.Delete(tableServices, raw); err != nil {
			return fmt.Errorf("delete service registration %q: %w", id, err)
		}
		return setIndex(txn, index, tableServices)
	})
}

// DeleteServiceRegistrationsByAlloc removes every registration of an
// allocation; none is not an error.
func (s *StateStore) DeleteServiceRegistrationsByAlloc(index uint64, allocID string) error {
	return s.write(func(txn *memdb.Txn) error {
		n, err := txn.DeleteAll(tableServices, "alloc_id", allocID)
		if err != nil {
			return fmt.Errorf("delete service registrations of allocation %q: %w", allocID, err)
		}
		if n == 0 {
			return nil
		}
		return setIndex(txn, index, tableServices)
	})
}

// DeleteServiceRegistrationsByNode removes every registration of a node;
// none is not an error.
func (s *StateStore) DeleteServiceRegistrationsByNode(index uint64, nodeID string) error {
	return s.write(func(txn *memdb.Txn) error {
		return deleteNodeServicesTxn(txn, index, nodeID)
	})
}

// deleteNodeServicesTxn removes a node's registrations within txn, for
// the writes that mark a node down or remove it.
func deleteNodeServicesTxn(txn *memdb.Txn, index uint64, nodeID string) error {
	n, err := txn.DeleteAll(tableServices, "node_id", nodeID)
	if err != nil {
		return fmt.Errorf("delete service registrations of node %q: %w", nodeID, err)
	}
	if n == 0 {
		return nil
	}
	return setIndex(txn, index, tableServices)
}

// ServiceRegistrations iterates every registration, ordered by ID.
func (s *StateStore) ServiceRegistrations(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableServices, "id")
}

// ServiceRegistrationsByNamespace iterates a namespace's registrations.
func (s *StateStore) ServiceRegistrationsByNamespace(ws memdb.WatchSet, namespace string) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableServices, "namespace", namespace)
}

// ServiceRegistrationsByName returns the instances of one service of a
// namespace, ordered by ID.
func (s *StateStore) ServiceRegistrationsByName(ws memdb.WatchSet, namespace, name string) ([]*structs.ServiceRegistration, error) {
	return collectServices(get(s.read(), ws, tableServices, "service_name", namespace, name))
}

// ServiceRegistrationsByAlloc returns an allocation's registrations.
func (s *StateStore) ServiceRegistrationsByAlloc(ws memdb.WatchSet, allocID string) ([]*structs.ServiceRegistration, error) {
	return collectServices(get(s.read(), ws, tableServices, "alloc_id", allocID))
}

// ServiceRegistrationsByNode returns a node's registrations.
func (s *StateStore) ServiceRegistrationsByNode(ws memdb.WatchSet, nodeID string) ([]*structs.ServiceRegistration, error) {
	return collectServices(get(s.read(), ws, tableServices, "node_id", nodeID))
}

// ServiceRegistrationByID returns one registration, nil when unknown.
func (s *StateStore) ServiceRegistrationByID(ws memdb.WatchSet, id string) (*structs.ServiceRegistration, error) {
	raw, err := first(s.read(), ws, tableServices, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.ServiceRegistration), nil
}

func collectServices(it memdb.ResultIterator, err error) ([]*structs.ServiceRegistration, error) {
	if err != nil {
		return nil, err
	}
	var out []*structs.ServiceRegistration
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*structs.ServiceRegistration))
	}
	return out, nil
}

// ServiceRegistrationRestore inserts a registration from a snapshot.
func (r *StateRestore) ServiceRegistrationRestore(reg *structs.ServiceRegistration) error {
	return r.insert(tableServices, reg)
}
