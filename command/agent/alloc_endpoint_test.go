package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestAllocs_ListGet(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/allocations?prefix=ab", nil).expect(t, 200, "[]")
	if a.backend.lastQuery.Prefix != "ab" {
		t.Fatalf("query = %+v", a.backend.lastQuery)
	}
	a.backend.allocs["a1"] = &structs.Allocation{ID: "a1", JobID: "web", ClientStatus: "running"}
	a.do(t, "GET", "/v1/allocation/a1", nil).expect(t, 200, `"JobID":"web"`)
	a.do(t, "GET", "/v1/allocation/a2", nil).expect(t, 404, "alloc not found")
}
