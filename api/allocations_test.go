package api

import (
	"testing"
	"time"
)

func TestAllocationsListAndInfo(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/allocations", 4, `[{"ID":"a1","NodeID":"n1","JobID":"web","TaskGroup":"g","ClientStatus":"running","CreateTime":5}]`)
	f.handleJSON("GET /v1/allocation/{id}", 4, `{"ID":"a1","Job":{"ID":"web"},"Metrics":{"NodesEvaluated":3,"AllocationTime":1000},
		"TaskStates":{"t":{"State":"dead","Failed":true,"FinishedAt":"2024-01-02T03:04:05Z",
		"Events":[{"Type":"Killing","KillTimeout":5000000000}]}}}`)
	c := f.client(t)

	list, _, err := c.Allocations().List(&QueryOptions{Prefix: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].NodeID != "n1" || list[0].CreateTime != 5 || f.last.URL.Query().Get("prefix") != "a" {
		t.Fatalf("list = %+v (%s)", list, f.last.URL)
	}
	alloc, _, err := c.Allocations().Info("a1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := alloc.TaskStates["t"]
	if alloc.Job.ID != "web" || alloc.Metrics.AllocationTime != time.Microsecond || !ts.Failed || ts.Events[0].KillTimeout != 5*time.Second {
		t.Fatalf("alloc = %+v", alloc)
	}
}
