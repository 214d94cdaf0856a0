package api

import (
	"encoding/json"
	"testing"
)

func TestResourcesWireFormat(t *testing.T) {
	in := `{"CPU":500,"Cores":0,"MemoryMB":256,"MemoryMaxMB":512,"DiskMB":0,"Networks":[{"Mode":"bridge","MBits":10,
		"ReservedPorts":[{"Label":"http","Value":8080,"To":80,"HostNetwork":"public"}],"DynamicPorts":[{"Label":"metrics","Value":0,"To":-1}]}]}`
	var r Resources
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	n := r.Networks[0]
	if r.CPU != 500 || r.MemoryMaxMB != 512 || n.Mode != "bridge" || n.ReservedPorts[0].To != 80 ||
		n.ReservedPorts[0].HostNetwork != "public" || n.DynamicPorts[0].To != -1 {
		t.Fatalf("resources = %+v, network = %+v", r, n)
	}
}
