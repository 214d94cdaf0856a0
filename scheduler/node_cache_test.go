package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestNodeCache(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 5, nil)
	cache := &NodeCache{}
	snap := func() State {
		s, err := h.state.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		return cache.Wrap(s)
	}
	first, err := allNodes(snap())
	if err != nil || len(first) != 5 {
		t.Fatalf("nodes %d %v", len(first), err)
	}
	again, _ := allNodes(snap())
	if &again[0] != &first[0] {
		t.Fatal("unchanged nodes table, list rebuilt")
	}
	job := mockJob("c")
	r1, _, _, _ := readyNodes(snap(), job)
	r2, _, _, _ := readyNodes(snap(), job)
	if len(r1) != 5 || &r1[0] != &r2[0] {
		t.Fatal("ready nodes not cached")
	}
	h.setNodeStatus(nodeID(0), structs.NodeStatusDown)
	r3, _, _, _ := readyNodes(snap(), job)
	if len(r3) != 4 {
		t.Fatalf("stale ready list after a node went down: %d", len(r3))
	}

	// A scheduler on a wrapped snapshot behaves as on the bare one.
	job = h.upsertJob(job)
	s, _ := h.state.Snapshot()
	sched := NewServiceScheduler(nil, cache.Wrap(s), h)
	if err := sched.Process(newEval(job, structs.EvalTriggerJobRegister)); err != nil {
		t.Fatal(err)
	}
	if len(h.liveAllocs(job)) != 10 {
		t.Fatal("placements through the cache")
	}
	var _ TableIndexState = (*state.StateSnapshot)(nil)
}

func TestStaticIteratorVisitsEachNodeOnce(t *testing.T) {
	var nodes []*structs.Node
	for i := 0; i < 50; i++ {
		nodes = append(nodes, mockNode(i))
	}
	orig := append([]*structs.Node(nil), nodes...)
	it := newStaticIterator(testContext(), nodes)
	for round := 0; round < 3; round++ {
		it.Reset()
		seen := map[string]bool{}
		for n := it.Next(); n != nil; n = it.Next() {
			if seen[n.ID] {
				t.Fatalf("round %d: %s twice", round, n.ID)
			}
			seen[n.ID] = true
		}
		if len(seen) != 50 {
			t.Fatalf("round %d: saw %d", round, len(seen))
		}
	}
	for i := range nodes {
		if nodes[i] != orig[i] {
			t.Fatal("iterator modified the shared node slice")
		}
	}
}
