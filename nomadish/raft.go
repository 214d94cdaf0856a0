package nomadish

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// Raft log store choice: raft-wal, by measurement of batched StoreLogs of
// 1 KiB entries (BenchmarkLogStoreAppend in nomadish/raftlogbench, a module
// of its own so that raft-boltdb stays out of nomadish's module graph) on
// the project's 2-core AMD EPYC build machine, local disk, fsync on:
//
//	cd nomadish/raftlogbench && go test -run '^$' -bench BenchmarkLogStoreAppend -benchtime 2000x -count 3
//
//	                  ms/op        appends/s (range of 3 runs; first run below)
//	boltdb/batch=1    0.42-0.48      2,086-2,405   (657 on a cold first run)
//	boltdb/batch=64   1.05-1.13     56,747-61,085  (35,608 cold)
//	wal/batch=1       0.16-0.17      5,872-6,255
//	wal/batch=64      0.34-0.35    181,164-187,694
//
// The WAL is 2.5-3x faster for single entries and 3x for full batches: it
// appends to a segment file with one fsync, where bolt copies and rewrites
// B+tree pages. It also serves as the StableStore (term, vote), so one
// directory holds both.

const (
	raftDir           = "raft"
	raftWALDir        = "raft/wal"
	snapshotsRetained = 2
	raftMaxPool       = 3
	raftDialTimeout   = 10 * time.Second
)

// raftStores is the Raft storage in use, so Shutdown can close it.
type raftStores struct {
	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore
	close  func() error
}

// openRaftStores opens the durable stores under DataDir/raft, or memory
// stores in dev mode.
func (s *Server) openRaftStores() (*raftStores, error) {
	if s.config.DevMode {
		mem := raft.NewInmemStore()
		return &raftStores{logs: mem, stable: mem, snaps: raft.NewInmemSnapshotStore(), close: func() error { return nil }}, nil
	}
	walDir := filepath.Join(s.config.DataDir, raftWALDir)
	if err := os.MkdirAll(walDir, 0o700); err != nil {
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	// raft-wal v0.4.0's Close leaves its bolt meta store open (and locked),
	// so the server owns the meta store and closes it after the WAL.
	meta := &metadb.BoltMetaDB{}
	wal, err := raftwal.Open(walDir, raftwal.WithMetaStore(meta), raftwal.WithSegmentFiler(newHealingFiler(walDir)),
		raftwal.WithLogger(s.logger.Named("raft-wal")))
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("open raft log: %w", err)
	}
	closeAll := func() error {
		err := wal.Close()
		if merr := meta.Close(); err == nil {
			err = merr
		}
		return err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(s.config.DataDir, raftDir), snapshotsRetained, s.logger.Named("snapshot"))
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("open raft snapshots: %w", err)
	}
	return &raftStores{logs: wal, stable: wal, snaps: snaps, close: closeAll}, nil
}

// setupRaft starts Raft over the shared RPC port (or the test transport)
// and bootstraps a lone server when that is what the configuration asks.
func (s *Server) setupRaft() error {
	stores, err := s.openRaftStores()
	if err != nil {
		return err
	}
	s.raftStores = stores

	trans := s.config.RaftTransport
	if trans == nil {
		s.raftLayer = newRaftLayer(s.rpcAdvertise)
		trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
			Stream:  s.raftLayer,
			MaxPool: raftMaxPool,
			Timeout: raftDialTimeout,
			Logger:  s.logger.Named("raft-net"),
		})
	}
	s.raftTransport = trans

	rc := *s.config.RaftConfig
	rc.LocalID = raft.ServerID(s.config.NodeID)
	rc.Logger = s.logger.Named("raft")
	rc.NotifyCh = s.leaderCh
	if err := raft.ValidateConfig(&rc); err != nil {
		return fmt.Errorf("raft config: %w", err)
	}

	existing, err := raft.HasExistingState(stores.logs, stores.stable, stores.snaps)
	if err != nil {
		return fmt.Errorf("check raft state: %w", err)
	}
	if existing {
		// A restarted server rejoins with its log; it never bootstraps again.
		s.bootstrapped.Store(true)
	} else if s.config.DevMode || s.config.BootstrapExpect <= 1 {
		cfg := raft.Configuration{Servers: []raft.Server{{
			Suffrage: raft.Voter,
			ID:       rc.LocalID,
			Address:  trans.LocalAddr(),
		}}}
		if err := raft.BootstrapCluster(&rc, stores.logs, stores.stable, stores.snaps, trans, cfg); err != nil {
			return fmt.Errorf("bootstrap raft: %w", err)
		}
		s.bootstrapped.Store(true)
	}

	r, err := raft.NewRaft(&rc, s.fsm, stores.logs, stores.stable, stores.snaps, trans)
	if err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	s.raft = r
	s.observeLeader()
	return nil
}

// numPeers returns how many voters the Raft configuration holds.
func (s *Server) numPeers() (int, error) {
	future := s.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return 0, err
	}
	n := 0
	for _, srv := range future.Configuration().Servers {
		if srv.Suffrage == raft.Voter {
			n++
		}
	}
	return n, nil
}
