// Package state is the server's in-memory MVCC store of cluster state, on
// hashicorp/go-memdb. Only the FSM writes to it, each write stamped with the
// Raft index of the entry being applied; every object carries the index that
// created it and the one that last changed it. Reads take a memdb.WatchSet
// so blocking queries can wait for a relevant change instead of polling.
//
// Objects returned by reads are shared with the store and must never be
// mutated: copy them first. The store does no I/O and knows nothing of Raft.
package state

import (
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// IndexEntry records the Raft index of the latest write to a table.
type IndexEntry struct {
	Key   string
	Value uint64
}

// StateStore is the cluster state. It is safe for concurrent use: memdb
// gives readers consistent snapshots and serialises writers.
type StateStore struct {
	logger hclog.Logger
	db     *memdb.MemDB

	abandonLock sync.Mutex // guards abandonCh's closing
	abandonCh   chan struct{}

	// usage is shared with snapshots; diverged is set on a snapshot
	// written to privately (MarkDiverged).
	usage    *structs.UsageCache
	diverged uint64
	snapshot bool

	// batch is the write transaction of a running Batch (batch.go),
	// which every write joins; nil outside one.
	batch *memdb.Txn
}

// StateSnapshot is a read-only point-in-time view of the store.
type StateSnapshot struct {
	StateStore
}

// NewStateStore returns an empty store.
func NewStateStore(logger hclog.Logger) (*StateStore, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("create state store: %w", err)
	}
	return &StateStore{logger: logger.Named("state"), db: db, abandonCh: make(chan struct{}), usage: &structs.UsageCache{}}, nil
}

// Snapshot returns a point-in-time view that later writes do not change.
func (s *StateStore) Snapshot() (*StateSnapshot, error) {
	return &StateSnapshot{StateStore{logger: s.logger, db: s.db.Snapshot(), abandonCh: s.abandonCh, usage: s.usage, snapshot: true}}, nil
}

// AbandonCh is closed when the store is replaced by a restore, so that
// blocking queries against it wake and retry on the new store.
func (s *StateStore) AbandonCh() <-chan struct{} { return s.abandonCh }

// UsageCache is the cache of nodes' allocation usage this store and its
// snapshots share with the schedulers and the plan applier (see
// structs.UsageCache: its entries hold in every state of the store's
// history). A snapshot written to since (MarkDiverged) sees it only for
// nodes its own writes did not touch.
func (s *StateStore) UsageCache() structs.UsageView {
	return structs.UsageView{Cache: s.usage, Diverged: s.diverged}
}

// MarkDiverged records that the snapshot is about to be written to at
// index and later indexes that the cluster's history may give to other
// writes, as the plan applier does when it checks a plan against results
// not yet committed.
func (s *StateSnapshot) MarkDiverged(index uint64) {
	if s.diverged == 0 || index < s.diverged {
		s.diverged = index
	}
}

// Abandon marks the store replaced.
func (s *StateStore) Abandon() {
	s.abandonLock.Lock()
	defer s.abandonLock.Unlock()
	select {
	case <-s.abandonCh:
	default:
		close(s.abandonCh)
	}
}

// Index returns the Raft index of the latest write to table, 0 if none.
func (s *StateStore) Index(table string) (uint64, error) {
	txn := s.db.Txn(false)
	raw, err := txn.First(tableIndex, "id", table)
	if err != nil {
		return 0, fmt.Errorf("index lookup of %q: %w", table, err)
	}
	if raw == nil {
		return 0, nil
	}
	return raw.(*IndexEntry).Value, nil
}

// LatestIndex returns the highest index written to any table.
func (s *StateStore) LatestIndex() (uint64, error) {
	it, err := s.Indexes()
	if err != nil {
		return 0, err
	}
	var max uint64
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if v := raw.(*IndexEntry).Value; v > max {
			max = v
		}
	}
	return max, nil
}

// Indexes iterates every *IndexEntry.
func (s *StateStore) Indexes() (memdb.ResultIterator, error) {
	return s.db.Txn(false).Get(tableIndex, "id")
}

// setIndex records index as the latest write to the given tables.
func setIndex(txn *memdb.Txn, index uint64, tables ...string) error {
	for _, t := range tables {
		if err := txn.Insert(tableIndex, &IndexEntry{Key: t, Value: index}); err != nil {
			return fmt.Errorf("update index of %q: %w", t, err)
		}
	}
	return nil
}

// get runs a Get and adds its watch channel to ws.
func get(txn *memdb.Txn, ws memdb.WatchSet, table, index string, args ...interface{}) (memdb.ResultIterator, error) {
	it, err := txn.Get(table, index, args...)
	if err != nil {
		return nil, fmt.Errorf("%s by %s: %w", table, index, err)
	}
	if ws != nil {
		ws.Add(it.WatchCh())
	}
	return it, nil
}

// first runs a FirstWatch and adds its watch channel to ws.
func first(txn *memdb.Txn, ws memdb.WatchSet, table, index string, args ...interface{}) (interface{}, error) {
	ch, raw, err := txn.FirstWatch(table, index, args...)
	if err != nil {
		return nil, fmt.Errorf("%s by %s: %w", table, index, err)
	}
	if ws != nil {
		ws.Add(ch)
	}
	return raw, nil
}

// write runs fn in a write transaction and commits it when fn succeeds.
func (s *StateStore) write(fn func(txn *memdb.Txn) error) error {
	if s.snapshot && s.diverged == 0 {
		// A snapshot written to without MarkDiverged is off the
		// store's history at an unknown index: it stops sharing the
		// usage cache.
		s.usage = nil
	}
	if txn := s.batchTxn(); txn != nil {
		// Batch commits or aborts the whole.
		return fn(txn)
	}
	txn := s.db.Txn(true)
	defer txn.Abort()
	if err := fn(txn); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func (s *StateStore) read() *memdb.Txn { return s.db.Txn(false) }
