package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The node_pools table holds the pools written by operators (in the
// authoritative region, or replicated from it). The built-in pools, all
// and default, are not stored: they always exist.

func nodePoolsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableNodePools,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: stringField("Name")},
		},
	}
}

// UpsertNodePools writes pools; one equal to the stored one is left as it
// is. With keepIndexes (replication), the pools' create and modify
// indexes are the authoritative region's and are kept.
func (s *StateStore) UpsertNodePools(index uint64, pools []*structs.NodePool, keepIndexes bool) error {
	return s.write(func(txn *memdb.Txn) error {
		changed := false
		for _, p := range pools {
			if p == nil || structs.IsBuiltinNodePool(p.Name) {
				continue
			}
			existing, err := txn.First(tableNodePools, "id", p.Name)
			if err != nil {
				return fmt.Errorf("node pool lookup: %w", err)
			}
			c := p.Copy()
			if existing != nil {
				old := existing.(*structs.NodePool)
				if old.Equal(c) && (!keepIndexes || old.ModifyIndex == c.ModifyIndex) {
					continue
				}
				if !keepIndexes {
					c.CreateIndex = old.CreateIndex
				}
			} else if !keepIndexes {
				c.CreateIndex = index
			}
			if !keepIndexes {
				c.ModifyIndex = index
			}
			if err := txn.Insert(tableNodePools, c); err != nil {
				return fmt.Errorf("insert node pool %q: %w", c.Name, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
		return setIndex(txn, index, tableNodePools)
	})
}

// DeleteNodePools removes pools by name; unknown names are skipped.
func (s *StateStore) DeleteNodePools(index uint64, names []string) error {
	return s.write(func(txn *memdb.Txn) error {
		changed := false
		for _, n := range names {
			existing, err := txn.First(tableNodePools, "id", n)
			if err != nil {
				return fmt.Errorf("node pool lookup: %w", err)
			}
			if existing == nil {
				continue
			}
			if err := txn.Delete(tableNodePools, existing); err != nil {
				return fmt.Errorf("delete node pool %q: %w", n, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
		return setIndex(txn, index, tableNodePools)
	})
}

// NodePools iterates the stored pools, ordered by name.
func (s *StateStore) NodePools(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableNodePools, "id")
}

// NodePoolByName returns a stored pool, or a built-in one; nil when there
// is none of that name.
func (s *StateStore) NodePoolByName(ws memdb.WatchSet, name string) (*structs.NodePool, error) {
	for _, b := range structs.BuiltinNodePools() {
		if b.Name == name {
			return b, nil
		}
	}
	raw, err := first(s.read(), ws, tableNodePools, "id", name)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.NodePool), nil
}

// NodePoolRestore inserts a pool from a snapshot.
func (r *StateRestore) NodePoolRestore(p *structs.NodePool) error {
	return r.insert(tableNodePools, p)
}
