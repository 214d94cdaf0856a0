package state

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// PutAllocation stores (or replaces) an allocation, keeping its tasks'
// entries.
func (db *DB) PutAllocation(a *structs.Allocation) error {
	if a == nil || a.ID == "" {
		return errors.New("put allocation: no allocation ID")
	}
	raw, err := encode(a)
	if err != nil {
		return fmt.Errorf("put allocation %s: encode: %w", a.ID, err)
	}
	err = db.bdb.Update(func(tx *bolt.Tx) error {
		b, err := allocBucketForWrite(tx, a.ID)
		if err != nil {
			return err
		}
		return b.Put(allocKey, raw)
	})
	if err != nil {
		return fmt.Errorf("put allocation %s: %w", a.ID, err)
	}
	return nil
}

// GetAllocations returns every stored allocation that decodes. An
// allocation that does not decode (or has task entries but no allocation)
// is left out and its error reported in the map keyed by allocation ID;
// the last error is for the database as a whole.
func (db *DB) GetAllocations() ([]*structs.Allocation, map[string]error, error) {
	var allocs []*structs.Allocation
	bad := map[string]error{}
	err := db.bdb.View(func(tx *bolt.Tx) error {
		top := tx.Bucket(allocsBucket)
		return top.ForEachBucket(func(k []byte) error {
			id := string(k)
			raw := top.Bucket(k).Get(allocKey)
			if raw == nil {
				bad[id] = fmt.Errorf("allocation %s: %w", id, ErrNoAllocation)
				return nil
			}
			var a structs.Allocation
			if err := decode(raw, &a); err != nil {
				bad[id] = fmt.Errorf("allocation %s: %w", id, err)
				return nil
			}
			allocs = append(allocs, &a)
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("get allocations: %w", err)
	}
	return allocs, bad, nil
}

// DeleteAllocation removes an allocation and all its task entries. An
// allocation that is not stored is not an error.
func (db *DB) DeleteAllocation(allocID string) error {
	err := db.bdb.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket(allocsBucket).DeleteBucket([]byte(allocID))
		if errors.Is(err, bolt.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete allocation %s: %w", allocID, err)
	}
	return nil
}

// allocBucketForWrite returns the allocation's bucket, creating it.
func allocBucketForWrite(tx *bolt.Tx, allocID string) (*bolt.Bucket, error) {
	if allocID == "" {
		return nil, errors.New("no allocation ID")
	}
	return tx.Bucket(allocsBucket).CreateBucketIfNotExists([]byte(allocID))
}
