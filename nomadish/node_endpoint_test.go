package nomadish

import (
	"strings"
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

	get := func(nodeID string, minIndex uint64) *structs.NodeClientAllocsResponse {
		t.Helper()
		var resp structs.NodeClientAllocsResponse
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
	if len(first.Allocs) != 1 || first.Index != a1.AllocModifyIndex || first.Allocs["a1"] != a1.AllocModifyIndex {
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
	} else if again.Allocs["a1"] != first.Allocs["a1"] {
		t.Fatalf("a1 listed @%d after its client's report, want @%d", again.Allocs["a1"], first.Allocs["a1"])
	}
	stop := *a1
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{&stop}}); err != nil {
		t.Fatal(err)
	}
	a1, _ = s.State().AllocByID(nil, "a1")
	if next := get("n1", first.Index); next.Index != a1.AllocModifyIndex || next.Index <= first.Index ||
		next.Allocs["a1"] != a1.AllocModifyIndex {
		t.Fatalf("n1 after the server stopped a1 @%d, want @%d", next.Index, a1.AllocModifyIndex)
	}
}

// Alloc.GetAllocs hands allocations in full only to the client of the
// node they run on, bounds the request, and makes a lagging server wait
// for the index the client's list came from.
func TestGetAllocsForTheNodesClient(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, secretNode("n1", "s1"))
	registerNode(t, s, secretNode("n2", "s2"))
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")
	putAlloc(t, s, "a2", job, "n2")

	get := func(secret string, minIndex uint64, ids ...string) (*structs.AllocsGetResponse, error) {
		var resp structs.AllocsGetResponse
		err := s.RPC("Alloc.GetAllocs", &structs.AllocsGetRequest{AllocIDs: ids, SecretID: secret,
			QueryOptions: structs.QueryOptions{MinQueryIndex: minIndex, MaxQueryTime: 20 * time.Millisecond}}, &resp)
		return &resp, err
	}
	resp, err := get("s1", 0, "a1", "gone")
	if err != nil || len(resp.Allocs) != 1 || resp.Allocs[0].ID != "a1" || resp.Allocs[0].Job == nil {
		t.Fatalf("a1 with n1's secret: %v %+v", err, resp)
	}
	for _, secret := range []string{"s2", ""} {
		if _, err := get(secret, 0, "a1"); !isSecretMismatch(err) {
			t.Errorf("a1 with %q: %v, want the secret refusal", secret, err)
		}
	}
	if _, err := get("s1", 0, "a1", "a2"); !isSecretMismatch(err) || !strings.Contains(err.Error(), "n2") {
		t.Errorf("another node's allocation: %v, want the secret refusal naming n2", err)
	}
	if _, err := get("s1", 0); err == nil || !strings.Contains(err.Error(), "AllocIDs") {
		t.Errorf("no IDs: %v", err)
	}
	many := make([]string, structs.MaxAllocsPerGet+1)
	for i := range many {
		many[i] = "a1"
	}
	if _, err := get("s1", 0, many...); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("%d IDs: %v", len(many), err)
	}

	// Asked at an index this server has not reached, the query waits
	// for a change to the allocations asked for.
	tableIndex, _ := s.State().Index("allocs")
	done := make(chan *structs.AllocsGetResponse, 1)
	go func() {
		// Another write to the allocations table (the leader's own) may
		// wake the query first; a client then asks again from the index
		// it was answered at, as this does.
		min := tableIndex
		for {
			var resp structs.AllocsGetResponse
			err := s.RPC("Alloc.GetAllocs", &structs.AllocsGetRequest{AllocIDs: []string{"a1"}, SecretID: "s1",
				QueryOptions: structs.QueryOptions{MinQueryIndex: min, MaxQueryTime: time.Minute}}, &resp)
			if err != nil || len(resp.Allocs) != 1 || resp.Allocs[0].DesiredStatus == structs.AllocDesiredStatusStop || resp.Index <= min {
				done <- &resp
				return
			}
			min = resp.Index
		}
	}()
	a1, _ := s.State().AllocByID(nil, "a1")
	stop := *a1
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{&stop}}); err != nil {
		t.Fatal(err)
	}
	select {
	case resp := <-done:
		if resp.Index <= tableIndex || len(resp.Allocs) != 1 || resp.Allocs[0].DesiredStatus != structs.AllocDesiredStatusStop {
			t.Fatalf("blocked query answered @%d (asked past %d) with %+v", resp.Index, tableIndex, resp.Allocs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the blocked query did not answer after the allocation changed")
	}
}
