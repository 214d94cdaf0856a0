package api

import "testing"

func TestNodesListInfoAllocations(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/nodes", 2, `[{"ID":"n1","Name":"client-1","Datacenter":"dc1","Status":"ready",
		"Drivers":{"mock":{"Detected":true,"Healthy":true}}}]`)
	f.handleJSON("GET /v1/node/{id}", 2, `{"ID":"n1","Name":"client-1","Resources":{"CPU":4000,"MemoryMB":8192},
		"Attributes":{"kernel.name":"linux"}}`)
	f.handleJSON("GET /v1/node/{id}/allocations", 2, `[{"ID":"a1","NodeID":"n1"}]`)
	c := f.client(t)

	list, _, err := c.Nodes().List(nil)
	if err != nil || len(list) != 1 || !list[0].Drivers["mock"].Healthy {
		t.Fatalf("list = %+v, %v", list, err)
	}
	node, _, err := c.Nodes().Info("n1", nil)
	if err != nil || node.Resources.CPU != 4000 || node.Attributes["kernel.name"] != "linux" {
		t.Fatalf("node = %+v, %v", node, err)
	}
	allocs, _, err := c.Nodes().Allocations("n1", nil)
	if err != nil || allocs[0].NodeID != "n1" {
		t.Fatalf("allocs = %+v, %v", allocs, err)
	}
}
