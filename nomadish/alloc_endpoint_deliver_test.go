package nomadish

import (
	"net"
	"net/rpc"
	"strings"
	"testing"
	"time"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcClient is a client of s over TCP and msgpack, as a client agent
// talks to it: unlike s.RPC, every reply is encoded and decoded.
func rpcClient(t *testing.T, s *Server) *rpc.Client {
	t.Helper()
	conn, err := net.Dial("tcp", s.RPCAdvertise().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte{byte(rpcNomad)}); err != nil {
		t.Fatal(err)
	}
	c := rpc.NewClientWithCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle))
	t.Cleanup(func() { c.Close() })
	return c
}

// TestGetAllocsDoesNotPoisonTheNode is finding 3's node poisoning, through
// the scheduler and the wire: a job whose task Config nests 1,016 levels
// deep (accepted and stored, as a server without a validation limit, or an
// older version, did) is placed next to a good one. Before the fix the
// client's Alloc.GetAllocs answer failed to decode with msgpack's depth
// error, every time, so neither allocation ever reached the node. Now the
// good one is sent and the bad one is listed apart with the reason.
func TestGetAllocsDoesNotPoisonTheNode(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	node := schedNode("n1", 4000, 8192)
	node.SecretID = "secret-1"
	schedRegisterNode(t, s, node)

	good := registerJob(t, s, mockJob("good"))
	bad := mockJob("bad")
	bad.TaskGroups[0].Count = 1
	bad.TaskGroups[0].Tasks[0].Config = nestedConfig(structs.MaxDeliverableConfigDepth + 1)
	bad.Canonicalize()
	badEval := fsmTestEval("eval-bad", "bad")
	if _, _, err := s.raftApply(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: bad, Eval: badEval}); err != nil {
		t.Fatalf("store the deep job as an older server would: %v", err)
	}
	waitEval(t, s, good.EvalID, evalStatus(structs.EvalStatusComplete))
	waitEval(t, s, badEval.ID, evalStatus(structs.EvalStatusComplete))

	client := rpcClient(t, s)
	var list structs.NodeClientAllocsResponse
	if err := client.Call("Node.GetClientAllocs", &structs.NodeSpecificRequest{NodeID: "n1", SecretID: "secret-1"}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Allocs) != 3 {
		t.Fatalf("node lists %d allocations, want 3 (2 good, 1 bad)", len(list.Allocs))
	}
	var ids []string
	for id := range list.Allocs {
		ids = append(ids, id)
	}
	var resp structs.AllocsGetResponse
	err := client.Call("Alloc.GetAllocs", &structs.AllocsGetRequest{AllocIDs: ids, SecretID: "secret-1",
		QueryOptions: structs.QueryOptions{MinQueryIndex: list.Index - 1, MaxQueryTime: time.Second}}, &resp)
	if err != nil {
		t.Fatalf("Alloc.GetAllocs over the wire: %v", err)
	}
	if len(resp.Allocs) != 2 {
		t.Fatalf("sent %d allocations, want the 2 good ones", len(resp.Allocs))
	}
	for _, a := range resp.Allocs {
		if a.JobID != "good" || a.Job == nil {
			t.Errorf("sent %s of job %q (job %v)", a.ID, a.JobID, a.Job != nil)
		}
	}
	if len(resp.Undeliverable) != 1 {
		t.Fatalf("undeliverable = %+v, want the bad allocation", resp.Undeliverable)
	}
	u := resp.Undeliverable[0]
	stored, _ := s.State().AllocByID(nil, u.ID)
	if stored == nil || stored.JobID != "bad" || u.AllocModifyIndex != stored.AllocModifyIndex || list.Allocs[u.ID] != u.AllocModifyIndex ||
		u.DesiredStatus != structs.AllocDesiredStatusRun || u.ClientStatus != structs.AllocClientStatusPending ||
		len(u.TaskNames) != 1 || u.TaskNames[0] != "app" {
		t.Fatalf("undeliverable %+v does not describe the stored allocation %+v", u, stored)
	}
	for _, want := range []string{"cannot be sent to its client", `job "bad"`, "TaskGroups[0].Tasks[0].Config", "1015"} {
		if !strings.Contains(u.Reason, want) {
			t.Errorf("reason %q does not say %q", u.Reason, want)
		}
	}

	// The client's failure report is an ordinary update, and the node's
	// next answer still sends the good ones.
	var upd structs.GenericResponse
	if err := client.Call("Node.UpdateAlloc", &structs.AllocUpdateRequest{SecretID: "secret-1", Alloc: []*structs.Allocation{
		{ID: u.ID, ClientStatus: structs.AllocClientStatusFailed, ClientDescription: u.Reason}}}, &upd); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.State().AllocByID(nil, u.ID); a.ClientStatus != structs.AllocClientStatusFailed || a.ClientDescription != u.Reason {
		t.Fatalf("after the client's report: %s %q", a.ClientStatus, a.ClientDescription)
	}
}
