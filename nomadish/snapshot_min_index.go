package nomadish

import (
	"context"
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
)

// defaultSnapshotWait bounds how long a worker or the plan applier waits
// for the local state to reach an index.
const defaultSnapshotWait = 5 * time.Second

// snapshotMinIndex returns a snapshot of the local state once it has
// applied index, waiting on the state's index table (never polling) for
// up to timeout.
func (s *Server) snapshotMinIndex(index uint64, timeout time.Duration) (*state.StateSnapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		st := s.State()
		ws := memdb.NewWatchSet()
		ws.Add(st.AbandonCh())
		ws.Add(s.shutdownCh)
		latest, err := st.LatestIndexWatch(ws)
		if err != nil {
			return nil, err
		}
		if latest >= index {
			return st.Snapshot()
		}
		if err := ws.WatchCtx(ctx); err != nil {
			return nil, fmt.Errorf("state at index %d did not reach index %d within %s: %w", latest, index, timeout, err)
		}
		if s.isShutdown() {
			return nil, errShutdown
		}
	}
}
