package state

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// LocalTaskState is what the client keeps about a task that the servers
// never see.
type LocalTaskState struct {
	// Handle is the driver's handle, given back to RecoverTask.
	Handle *plugin.TaskHandle
	// Hooks maps a task runner hook's name to that hook's own persisted
	// state (logmon's handle, "artifacts done", …).
	Hooks map[string][]byte
}

// PutTaskState stores the task's state as reported to the servers.
func (db *DB) PutTaskState(allocID, task string, st *structs.TaskState) error {
	if err := db.putTaskValue(allocID, task, taskStateKey, st); err != nil {
		return fmt.Errorf("put task state %s/%s: %w", allocID, task, err)
	}
	return nil
}

// GetTaskState returns the task's stored state; nil, nil when there is none.
func (db *DB) GetTaskState(allocID, task string) (*structs.TaskState, error) {
	var st structs.TaskState
	ok, err := db.getTaskValue(allocID, task, taskStateKey, &st)
	if err != nil {
		return nil, fmt.Errorf("get task state %s/%s: %w", allocID, task, err)
	}
	if !ok {
		return nil, nil
	}
	return &st, nil
}

// PutLocalTaskState stores the task's local state.
func (db *DB) PutLocalTaskState(allocID, task string, ls *LocalTaskState) error {
	if err := db.putTaskValue(allocID, task, localKey, ls); err != nil {
		return fmt.Errorf("put local task state %s/%s: %w", allocID, task, err)
	}
	return nil
}

// GetLocalTaskState returns the task's local state; nil, nil when there is
// none.
func (db *DB) GetLocalTaskState(allocID, task string) (*LocalTaskState, error) {
	var ls LocalTaskState
	ok, err := db.getTaskValue(allocID, task, localKey, &ls)
	if err != nil {
		return nil, fmt.Errorf("get local task state %s/%s: %w", allocID, task, err)
	}
	if !ok {
		return nil, nil
	}
	return &ls, nil
}

func (db *DB) putTaskValue(allocID, task string, key []byte, v interface{}) error {
	if task == "" {
		return errors.New("no task name")
	}
	raw, err := encode(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return db.bdb.Update(func(tx *bolt.Tx) error {
		ab, err := allocBucketForWrite(tx, allocID)
		if err != nil {
			return err
		}
		tb, err := ab.CreateBucketIfNotExists(tasksBucket)
		if err != nil {
			return err
		}
		b, err := tb.CreateBucketIfNotExists([]byte(task))
		if err != nil {
			return err
		}
		return b.Put(key, raw)
	})
}

// getTaskValue decodes the value into out and reports whether it existed.
func (db *DB) getTaskValue(allocID, task string, key []byte, out interface{}) (bool, error) {
	found := false
	err := db.bdb.View(func(tx *bolt.Tx) error {
		ab := tx.Bucket(allocsBucket).Bucket([]byte(allocID))
		if ab == nil {
			return nil
		}
		tb := ab.Bucket(tasksBucket)
		if tb == nil {
			return nil
		}
		b := tb.Bucket([]byte(task))
		if b == nil {
			return nil
		}
		raw := b.Get(key)
		if raw == nil {
			return nil
		}
		found = true
		// raw is only valid inside the transaction; decode copies.
		return decode(raw, out)
	})
	return found, err
}
