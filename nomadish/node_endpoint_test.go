package nomadish

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A node's allocation query is indexed by the node's own allocations, so
// writes to other nodes' allocations do not wake its client.
func TestGetClientAllocsIndexIsTheNodesOwn(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	registerNode(t, s, testNode("n2"))
	job := putJob(t, s, mockJob("web"))

	get := func(nodeID string, minIndex uint64) *structs.NodeAllocsResponse {
		t.Helper()
		var resp structs.NodeAllocsResponse
		req := &structs.NodeSpecificRequest{NodeID: nodeID,
			QueryOptions: structs.QueryOptions{MinQueryIndex: minIndex, MaxQueryTime: 20 * time.Millisecond}}
		if err := s.RPC("Node.GetClientAllocs", req, &resp); err != nil {
			t.Fatal(err)
		}
		return &resp
	}

	// No allocations: the table's index.
	empty := get("n1", 0)
	if tableIndex, _ := s.State().Index("allocs"); len(empty.Allocs) != 0 || empty.Index != max(tableIndex, 1) {
		t.Fatalf("empty node: %d allocs @%d, want 0 @%d", len(empty.Allocs), empty.Index, max(tableIndex, 1))
	}

	// Other nodes' allocations do not answer an empty node's query.
	putAlloc(t, s, "a0", job, "n2")
	if again := get("n1", empty.Index); again.Index != empty.Index {
		t.Fatalf("empty n1 re-poll @%d after another node's write, want @%d (unchanged)", again.Index, empty.Index)
	}

	putAlloc(t, s, "a1", job, "n1")
	first := get("n1", empty.Index)
	a1, _ := s.State().AllocByID(nil, "a1")
	if len(first.Allocs) != 1 || first.Index != a1.AllocModifyIndex {
		t.Fatalf("n1: %d allocs @%d, want 1 @%d", len(first.Allocs), first.Index, a1.AllocModifyIndex)
	}

	// Another node's allocation moves the table index, not n1's: the
	// query at n1's index runs out its wait and reports the same index.
	putAlloc(t, s, "a2", job, "n2")
	if tableIndex, _ := s.State().Index("allocs"); tableIndex <= first.Index {
		t.Fatalf("table index %d did not move past %d", tableIndex, first.Index)
	}
	if again := get("n1", first.Index); again.Index != first.Index {
		t.Fatalf("n1 re-poll @%d, want @%d (unchanged)", again.Index, first.Index)
	}

	// n1's own report does not wake its query (the client knows what it
	// sent); a change on the server's side does.
	if err := s.RPC("Node.UpdateAlloc", &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{
		{ID: "a1", ClientStatus: structs.AllocClientStatusRunning}}}, &structs.GenericResponse{}); err != nil {
		t.Fatal(err)
	}
	if again := get("n1", first.Index); again.Index != first.Index {
		t.Fatalf("n1 re-poll after its own report @%d, want @%d (unchanged)", again.Index, first.Index)
	} else if again.Allocs[0].ClientStatus != structs.AllocClientStatusRunning {
		t.Fatalf("a1 client status = %q in the (timed-out) answer", again.Allocs[0].ClientStatus)
	}
	stop := *a1
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{&stop}}); err != nil {
		t.Fatal(err)
	}
	a1, _ = s.State().AllocByID(nil, "a1")
	if next := get("n1", first.Index); next.Index != a1.AllocModifyIndex || next.Index <= first.Index ||
		next.Allocs[0].DesiredStatus != structs.AllocDesiredStatusStop {
		t.Fatalf("n1 after the server stopped a1 @%d, want @%d", next.Index, a1.AllocModifyIndex)
	}
}
