package api

import "testing"

func TestNodesStats(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/client/stats", 0, `{"Memory":{"Total":1000,"Used":250},"CPU":[{"CPU":"cpu0","Total":12.5}],
		"AllocDirStats":{"Mountpoint":"/","Size":2000,"Used":500},"Uptime":60,"Timestamp":7}`)
	c := f.client(t)

	hs, err := c.Nodes().Stats("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if hs.Memory.Total != 1000 || hs.CPU[0].Total != 12.5 || hs.AllocDirStats.Used != 500 || hs.Uptime != 60 || hs.Timestamp != 7 {
		t.Fatalf("stats = %+v", hs)
	}
	if q := f.last.URL.Query(); q.Has("node_id") {
		t.Errorf("node_id sent without a node: %s", f.last.URL)
	}
	if _, err := c.Nodes().Stats("n 1", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.last.URL.Query().Get("node_id"); got != "n 1" {
		t.Errorf("node_id = %q, want %q", got, "n 1")
	}
}
