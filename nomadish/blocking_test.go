package nomadish

import (
	"bytes"
	"sync"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// jitterRecorder is a Config.BlockingJitter that adds nothing and
// remembers the bound it was given.
type jitterRecorder struct {
	mu  sync.Mutex
	max []time.Duration
}

func (j *jitterRecorder) jitter(max time.Duration) time.Duration {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.max = append(j.max, max)
	return 0
}

func (j *jitterRecorder) last() time.Duration {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.max) == 0 {
		return 0
	}
	return j.max[len(j.max)-1]
}

// nodeQuery is a blocking read of one node, indexed by the nodes table.
func nodeQuery(s *Server, id string, minIndex uint64, wait time.Duration) (*blockingOptions, *structs.SingleNodeResponse) {
	reply := &structs.SingleNodeResponse{}
	opts := &blockingOptions{
		queryOpts: &structs.QueryOptions{MinQueryIndex: minIndex, MaxQueryTime: wait},
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			n, err := st.NodeByID(ws, id)
			if err != nil {
				return err
			}
			reply.Node = n
			idx, err := st.Index("nodes")
			if err != nil {
				return err
			}
			reply.Index = max(idx, 1)
			return nil
		},
	}
	return opts, reply
}

func TestBlockingRPC_WakesOnWrite(t *testing.T) {
	jr := &jitterRecorder{}
	s := testServer(t, func(c *Config) { c.BlockingJitter = jr.jitter })
	waitForLeader(t, s)
	_, index, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")})
	if err != nil {
		t.Fatal(err)
	}

	// An hour is clamped to ten minutes; the write below ends the wait.
	opts, reply := nodeQuery(s, "n2", index, time.Hour)
	done := make(chan error, 1)
	go func() { done <- s.blockingRPC(opts) }()

	if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n2")}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocking query did not wake on a matching write")
	}
	if reply.Index <= index || reply.Node == nil {
		t.Fatalf("reply index %d (min %d), node %v", reply.Index, index, reply.Node)
	}
	if !reply.KnownLeader || reply.LastContact != 0 {
		t.Fatalf("query meta on leader: %+v", reply.QueryMeta)
	}
	if got, want := jr.last(), maxQueryTime/jitterFraction; got != want {
		t.Fatalf("jitter bound %s, want %s", got, want)
	}
}

func TestBlockingRPC_TimesOutWithLastResult(t *testing.T) {
	jr := &jitterRecorder{}
	s := testServer(t, func(c *Config) { c.BlockingJitter = jr.jitter })
	waitForLeader(t, s)
	_, index, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")})
	if err != nil {
		t.Fatal(err)
	}
	opts, reply := nodeQuery(s, "n1", index, 20*time.Millisecond)
	if err := s.blockingRPC(opts); err != nil {
		t.Fatal(err)
	}
	if reply.Index != index || reply.Node == nil {
		t.Fatalf("reply after timeout: index %d, node %v", reply.Index, reply.Node)
	}
	if got := jr.last(); got != 20*time.Millisecond/jitterFraction {
		t.Fatalf("jitter bound %s", got)
	}

	// Without MinQueryIndex the query returns at once.
	opts, reply = nodeQuery(s, "n1", 0, time.Hour)
	if err := s.blockingRPC(opts); err != nil || reply.Node == nil {
		t.Fatalf("non-blocking read: %v, %v", err, reply.Node)
	}
}

// A snapshot restore replaces the store; a query blocked on the old one
// wakes and answers from the new one.
func TestBlockingRPC_WakesOnRestore(t *testing.T) {
	s := testServer(t, func(c *Config) { c.DevMode = true; c.DataDir = "" })
	waitForLeader(t, s)

	src := testFSM(t)
	applyEveryType(t, src)
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}

	opts, reply := nodeQuery(s, "n1", 1, 0)
	done := make(chan error, 1)
	go func() { done <- s.blockingRPC(opts) }()
	if err := s.fsm.Restore(ioNopCloser{bytes.NewReader(sink.Bytes())}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocking query did not wake on restore")
	}
	if reply.Node == nil || reply.Index <= 1 {
		t.Fatalf("after restore: node %v index %d", reply.Node, reply.Index)
	}
}
