package nomadish

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestFSM_NodePoolsSurviveSnapshot(t *testing.T) {
	f := testFSM(t)
	applyMsg(t, f, 1, structs.NodePoolUpsertRequestType, &structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{
		{Name: "gpu", Description: "GPU nodes"}, {Name: "edge", Meta: map[string]string{"site": "x"}}}})
	applyMsg(t, f, 2, structs.NodePoolDeleteRequestType, &structs.NodePoolDeleteRequest{Names: []string{"edge"}})
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	restored := testFSM(t)
	if err := restored.Restore(ioNopCloser{bytes.NewReader(sink.Bytes())}); err != nil {
		t.Fatal(err)
	}
	if p, _ := restored.State().NodePoolByName(nil, "gpu"); p == nil || p.Description != "GPU nodes" || p.CreateIndex != 1 {
		t.Fatalf("pool gpu after restore: %+v", p)
	}
	if p, _ := restored.State().NodePoolByName(nil, "edge"); p != nil {
		t.Fatalf("deleted pool edge came back: %+v", p)
	}
}

// nodePools lists the pools a server answers for its region.
func nodePools(t *testing.T, s *Server) map[string]*structs.NodePool {
	t.Helper()
	var resp structs.NodePoolListResponse
	if err := s.RPC("NodePool.List", &structs.NodePoolListRequest{}, &resp); err != nil {
		t.Fatal(err)
	}
	out := map[string]*structs.NodePool{}
	for _, p := range resp.NodePools {
		out[p.Name] = p
	}
	return out
}

func TestNodePoolEndpointRefusesBadWrites(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	var resp structs.GenericResponse
	for _, tc := range []struct {
		pools []*structs.NodePool
		want  string
	}{
		{nil, "at least one pool"},
		{[]*structs.NodePool{{Name: "all"}}, `"all" is a built-in pool`},
		{[]*structs.NodePool{{Name: "no spaces"}}, `"no spaces" is not a pool name`},
		{[]*structs.NodePool{nil}, "NodePools[0]: null"},
	} {
		err := s.RPC("NodePool.UpsertNodePools", &structs.NodePoolUpsertRequest{NodePools: tc.pools}, &resp)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("upsert %v: %v; want %q", tc.pools, err, tc.want)
		}
	}
	if err := s.RPC("NodePool.UpsertNodePools", &structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{{Name: "gpu"}}}, &resp); err != nil {
		t.Fatal(err)
	}
	node := testNode("n1")
	node.NodePool = "gpu"
	var nresp structs.NodeUpdateResponse
	if err := s.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: node}, &nresp); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"default", `"default" is a built-in pool`},
		{"nope", `node pool "nope": not found`},
		{"gpu", `node pool "gpu" is still in use in region "global" (1 nodes, 0 jobs)`},
	} {
		err := s.RPC("NodePool.DeleteNodePools", &structs.NodePoolDeleteRequest{Names: []string{tc.name}}, &resp)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("delete %s: %v; want %q", tc.name, err, tc.want)
		}
	}
	if got := nodePools(t, s); got["all"] == nil || got["default"] == nil || got["gpu"] == nil {
		t.Fatalf("pools listed: %v", got)
	}
}

// Pools are written in the authoritative region, whatever region a write
// is sent to, and every other region's leader copies them, changes and
// removals included, with the authoritative indexes.
func TestNodePoolsReplicateFromAuthoritativeRegion(t *testing.T) {
	global := testServer(t, func(c *Config) { c.AuthoritativeRegion = "global" })
	eu := testServer(t, func(c *Config) { c.Region = "eu"; c.AuthoritativeRegion = "global" })
	federate(t, global, eu)
	var resp structs.GenericResponse
	// Sent to eu, written in global.
	if err := eu.RPC("NodePool.UpsertNodePools", &structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{{Name: "gpu", Description: "v1"}},
		WriteRequest: structs.WriteRequest{Region: "eu"}}, &resp); err != nil {
		t.Fatal(err)
	}
	if p := nodePools(t, global)["gpu"]; p == nil || p.Description != "v1" {
		t.Fatalf("the write sent to eu is not in global: %+v", p)
	}
	waitFor(t, 60*time.Second, func() error {
		g, e := nodePools(t, global)["gpu"], nodePools(t, eu)["gpu"]
		if e == nil || e.Description != "v1" || e.ModifyIndex != g.ModifyIndex {
			return fmt.Errorf("eu has %+v; global %+v", e, g)
		}
		return nil
	})

	if err := global.RPC("NodePool.UpsertNodePools", &structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{{Name: "gpu", Description: "v2"}, {Name: "edge"}}}, &resp); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, func() error {
		got := nodePools(t, eu)
		if got["gpu"] == nil || got["gpu"].Description != "v2" || got["edge"] == nil {
			return fmt.Errorf("eu has %v", got)
		}
		return nil
	})
	if err := global.RPC("NodePool.DeleteNodePools", &structs.NodePoolDeleteRequest{Names: []string{"edge"}}, &resp); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, func() error {
		if got := nodePools(t, eu); got["edge"] != nil {
			return fmt.Errorf("edge still in eu")
		}
		return nil
	})

	var st structs.ReplicationStatusResponse
	if err := eu.RPC("Operator.ReplicationStatus", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "eu"}}, &st); err != nil {
		t.Fatal(err)
	}
	if !st.Status.Enabled || st.Status.AuthoritativeRegion != "global" || st.Status.LastIndex == 0 || st.Status.LastReplicatedTime == 0 {
		t.Fatalf("eu's replication status: %+v", st)
	}
	if err := global.RPC("Operator.ReplicationStatus", &structs.GenericRequest{}, &st); err != nil || st.Status.Enabled {
		t.Fatalf("the authoritative region's status: %+v, %v; want replication off there", st, err)
	}
}
