package nomadish

import (
	"context"
	"math/rand/v2"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Blocking query bounds.
const (
	defaultMaxQueryTime = structs.DefaultBlockingWait
	maxQueryTime        = structs.MaxBlockingWait
	// jitterFraction: a blocking query waits up to 1/16 longer than asked,
	// so that many clients that started together do not return together.
	jitterFraction = 16
)

// blockingOptions describe one blocking read.
type blockingOptions struct {
	queryOpts *structs.QueryOptions
	queryMeta *structs.QueryMeta
	// run performs the read against st, adding what it read to ws, and
	// sets queryMeta.Index to the index its result reflects.
	run func(ws memdb.WatchSet, st *state.StateStore) error
}

// blockingRPC runs opts.run once, and when the request carries a
// MinQueryIndex the result has not passed, waits on the watch set for a
// relevant change (or a snapshot restore replacing the store) and runs it
// again, until the index passes or MaxQueryTime runs out. It never polls.
func (s *Server) blockingRPC(opts *blockingOptions) error {
	var ctx context.Context = context.Background()
	if opts.queryOpts.MinQueryIndex > 0 {
		wait := opts.queryOpts.MaxQueryTime
		if wait <= 0 {
			wait = defaultMaxQueryTime
		}
		if wait > maxQueryTime {
			wait = maxQueryTime
		}
		wait += s.jitter(wait / jitterFraction)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
		defer metrics.MeasureSince([]string{"nomad", "rpc", "query", "blocking"}, time.Now())
	}

	for {
		s.setQueryMeta(opts.queryMeta)
		st := s.fsm.State()
		ws := memdb.NewWatchSet()
		ws.Add(st.AbandonCh())
		ws.Add(s.shutdownCh)
		if err := opts.run(ws, st); err != nil {
			return err
		}
		if opts.queryOpts.MinQueryIndex == 0 || opts.queryMeta.Index > opts.queryOpts.MinQueryIndex {
			return nil
		}
		if err := ws.WatchCtx(ctx); err != nil {
			// Timed out: the last result stands.
			return nil
		}
		if s.isShutdown() {
			return errShutdown
		}
	}
}

// setQueryMeta records whether a leader is known and, on a follower, how
// long since it last heard from it.
func (s *Server) setQueryMeta(m *structs.QueryMeta) {
	if s.IsLeader() {
		m.LastContact = 0
		m.KnownLeader = true
		return
	}
	m.LastContact = time.Since(s.raft.LastContact())
	addr, _ := s.raft.LeaderWithID()
	m.KnownLeader = addr != ""
}

// randomJitter is the default Config.BlockingJitter: uniform in [0, max).
func randomJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}
