package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestNodes_ListGetAllocs(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/nodes", nil).expect(t, 200, "[]")
	a.backend.nodes["n1"] = &structs.Node{ID: "n1", Name: "client-1", Datacenter: "dc1", Status: "ready"}
	var stubs []structs.NodeListStub
	a.do(t, "GET", "/v1/nodes?prefix=n", nil).decode(t, &stubs)
	if len(stubs) != 1 || stubs[0].ID != "n1" || a.backend.lastQuery.Prefix != "n" {
		t.Fatalf("stubs = %+v query = %+v", stubs, a.backend.lastQuery)
	}
	a.do(t, "GET", "/v1/node/n1", nil).expect(t, 200, `"Name":"client-1"`)
	a.do(t, "GET", "/v1/node/n2", nil).expect(t, 404, "node not found")
	a.do(t, "GET", "/v1/node/n1/allocations?index=3&wait=1s", nil).expect(t, 200, "[]")
	if q := a.backend.lastQuery; q.MinQueryIndex != 3 {
		t.Fatalf("query = %+v", q)
	}
	a.do(t, "DELETE", "/v1/node/n1", nil).expect(t, 405, "allowed: GET")
}
