package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	bolt "go.etcd.io/bbolt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// schemaVersion is the version of the bucket layout described in the
// package doc. A database written by a newer layout is refused.
const schemaVersion = 1

// lockTimeout bounds how long Open waits for bbolt's file lock.
const lockTimeout = 5 * time.Second

// Bucket and key names.
var (
	metaBucket   = []byte("meta")
	versionKey   = []byte("version")
	allocsBucket = []byte("allocations")
	allocKey     = []byte("alloc")
	tasksBucket  = []byte("tasks")
	taskStateKey = []byte("state")
	localKey     = []byte("local")
)

// ErrLocked is returned by Open when the database file stays locked by
// another process (most likely another agent using the same data dir).
var ErrLocked = errors.New("state database is locked")

// ErrCorruptEntry wraps every error decoding a stored value.
var ErrCorruptEntry = errors.New("corrupt client state entry")

// ErrNoAllocation is reported by GetAllocations for an allocation bucket
// that holds task entries but no allocation.
var ErrNoAllocation = errors.New("allocation entry missing")

// DB is the client's local state database. Its methods are safe for
// concurrent use.
type DB struct {
	path string
	bdb  *bolt.DB
}

// Open opens (creating if needed, with its directory) the database file at
// path, usually <data_dir>/client/state.db.
func Open(path string) (*DB, error) {
	return open(path, lockTimeout)
}

func open(path string, timeout time.Duration) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open client state %s: %w", path, err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open client state %s: %w: another agent holds the data dir (waited %s for its lock); is another agent running with the same data_dir?",
			path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open client state %s: %w", path, err)
	}
	db := &DB{path: path, bdb: bdb}
	if err := db.init(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open client state %s: %w", path, err)
	}
	return db, nil
}

// init creates the top buckets and checks the layout version.
func (db *DB) init() error {
	return db.bdb.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if raw := meta.Get(versionKey); raw != nil {
			var v int
			if err := decode(raw, &v); err != nil {
				return fmt.Errorf("schema version: %w", err)
			}
			if v > schemaVersion {
				return fmt.Errorf("written by a newer agent (schema version %d, this agent knows %d)", v, schemaVersion)
			}
		}
		raw, err := encode(schemaVersion)
		if err != nil {
			return err
		}
		if err := meta.Put(versionKey, raw); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(allocsBucket)
		return err
	})
}

// Close closes the database.
func (db *DB) Close() error {
	if err := db.bdb.Close(); err != nil {
		return fmt.Errorf("close client state %s: %w", db.path, err)
	}
	return nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

func encode(v interface{}) ([]byte, error) {
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, structs.MsgpackHandle).Encode(v); err != nil {
		return nil, err
	}
	return buf, nil
}

// decode decodes a value read inside a bbolt transaction. The bytes are
// copied first: bbolt's memory is only valid until the transaction ends.
func decode(raw []byte, out interface{}) error {
	raw = append([]byte(nil), raw...)
	if err := codec.NewDecoderBytes(raw, structs.MsgpackHandle).Decode(out); err != nil {
		return fmt.Errorf("%w: %w", ErrCorruptEntry, err)
	}
	return nil
}
