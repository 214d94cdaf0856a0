package state

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "client", "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestOpenCreatesDirAndReopens(t *testing.T) {
	db, path := openTemp(t)
	if db.Path() != path {
		t.Fatalf("path %q, want %q", db.Path(), path)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db2.Close()
}

func TestOpenLockedSaysAnotherAgent(t *testing.T) {
	_, path := openTemp(t)
	// flock is per open file description, so a second open in this
	// process waits for the lock like another agent would.
	_, err := open(path, 20*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another agent holds the data dir") {
		t.Fatalf("err %q does not name the cause", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	db, path := openTemp(t)
	raw, err := encode(schemaVersion + 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(versionKey, raw)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer agent") {
		t.Fatalf("err = %v, want newer-agent refusal", err)
	}
}
