package command

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestNodeStatusListAndDetail(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-0000-0000-0000-000000000001", "client-1"), fakeNode("9f00aa11-0000-0000-0000-000000000002", "client-2"))
	f.nodes["9f00aa11-0000-0000-0000-000000000002"].Drain = true
	f.nodes["9f00aa11-0000-0000-0000-000000000002"].SchedulingEligibility = "ineligible"
	f.allocs["4d2ba53b-0000-0000-0000-000000000001"] = []*api.Allocation{{ID: "aaaaaaaa-1111", JobID: "web", TaskGroup: "frontend",
		DesiredStatus: "run", ClientStatus: "running", CreateIndex: 3}}
	meta, ui, _ := testMeta(t)

	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := formatList([]string{
		"ID|Node Pool|DC|Name|Class|Drain|Eligibility|Status",
		"4d2ba53b|default|dc1|client-1|<none>|false|eligible|ready",
		"9f00aa11|default|dc1|client-2|<none>|true|ineligible|ready",
	})
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("list =\n%s\nwant\n%s", got, want)
	}

	meta, ui, _ = testMeta(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", "4d"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{"ID          = 4d2ba53b-0000-0000-0000-000000000001", "Drain       = false", "Drivers     = mock",
		"4000 MHz  8.0 GiB  100.0 GiB", "aaaaaaaa-1111  web     frontend    run      running", "Node registered",
		"Attributes\nkernel.name     = linux"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}

	meta, ui, _ = testMeta(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "9f00"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var n api.Node
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &n); err != nil || n.Name != "client-2" || !n.Drain {
		t.Fatalf("json = %v %+v", err, n)
	}
}

func TestNodeStatusErrors(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"), fakeNode("4d2ba53b-02", "b"))
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"4d2"}, 1, `Prefix "4d2" matched multiple nodes`},
		{[]string{"zz"}, 1, `No node(s) with prefix or ID "zz" found`},
		{[]string{"4"}, 1, "at least two characters"},
		{[]string{"a", "b"}, 1, "at most one argument"},
	} {
		meta, ui, _ := testMeta(t)
		code := (&NodeStatusCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, tc.args...))
		if code != tc.code || !strings.Contains(ui.ErrorWriter.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, ui.ErrorWriter.String(), tc.code, tc.err)
		}
	}
	meta, ui, _ := testMeta(t)
	empty := newFakeNodeAgent(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + empty.URL}); code != 0 || !strings.Contains(ui.OutputWriter.String(), "No nodes registered") {
		t.Fatalf("empty: %d %s", code, ui.OutputWriter.String())
	}
}

func TestNodeStatusSelf(t *testing.T) {
	id := "4d2ba53b-0000-0000-0000-000000000001"
	f := newFakeNodeAgent(t, fakeNode(id, "client-1"))
	nodeHandler := f.Server.Config.Handler
	nodeID := id
	f.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/agent/self" {
			stats := map[string]map[string]string{"nomad": {"server": "true"}}
			if nodeID != "" {
				stats["client"] = map[string]string{"node_id": nodeID}
			}
			json.NewEncoder(w).Encode(map[string]any{"stats": stats})
			return
		}
		nodeHandler.ServeHTTP(w, r)
	})
	meta, ui, _ := testMeta(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-self"}); code != 0 || !strings.Contains(ui.OutputWriter.String(), "ID          = "+id) {
		t.Fatalf("-self: %d %s %s", code, ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-self", id}); code != 1 || !strings.Contains(ui.ErrorWriter.String(), "exclusive") {
		t.Fatalf("-self with node: %d %s", code, ui.ErrorWriter.String())
	}
	nodeID = ""
	meta, ui, _ = testMeta(t)
	if code := (&NodeStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-self"}); code != 1 || !strings.Contains(ui.ErrorWriter.String(), "runs no client") {
		t.Fatalf("-self on a server-only agent: %d %s", code, ui.ErrorWriter.String())
	}
}

// TestNodeStatusStats: -stats adds the host's utilization, from the
// agent's own client; another node's is refused with a pointer to -self.
func TestNodeStatusStats(t *testing.T) {
	own, other := "4d2ba53b-0000-0000-0000-000000000001", "9f00aa11-0000-0000-0000-000000000002"
	f := newFakeNodeAgent(t, fakeNode(own, "client-1"), fakeNode(other, "client-2"))
	f.nodes[other].HTTPAddr = "10.0.0.2:4646"
	nodeHandler := f.Server.Config.Handler
	var mu sync.Mutex // guards statsQueries
	var statsQueries []string
	queries := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), statsQueries...)
	}
	f.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/agent/self":
			json.NewEncoder(w).Encode(map[string]any{"stats": map[string]map[string]string{"client": {"node_id": own}}})
		case "/v1/client/stats":
			mu.Lock()
			statsQueries = append(statsQueries, r.URL.RawQuery)
			mu.Unlock()
			json.NewEncoder(w).Encode(&api.HostStats{
				Memory:        &api.HostMemoryStats{Total: 16 << 30, Used: 4 << 30},
				CPU:           []*api.HostCPUStats{{CPU: "cpu0", Total: 25}, {CPU: "cpu1", Total: 15.5}},
				AllocDirStats: &api.HostDiskStats{Device: "/dev/sda1", Mountpoint: "/", Size: 100 << 30, Used: 40 << 30},
			})
		default:
			nodeHandler.ServeHTTP(w, r)
		}
	})
	want := "Host Resource Utilization\n" + formatList([]string{"CPU|Memory|Disk", "40.5% of 2 cores|4.0 GiB/16.0 GiB|40.0 GiB/100.0 GiB"})

	for _, args := range [][]string{{"-self", "-stats"}, {"-stats", "4d2b"}} {
		meta, ui, _ := testMeta(t)
		if code := (&NodeStatusCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...)); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, ui.ErrorWriter.String())
		}
		out := ui.OutputWriter.String()
		if !strings.Contains(out, "ID          = "+own) || !strings.Contains(out, want) {
			t.Errorf("%v: output lacks the node or\n%s\n:\n%s", args, want, out)
		}
	}
	if q := queries(); len(q) != 2 || q[0] != "node_id="+own {
		t.Errorf("stats queries = %q", q)
	}

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-stats", "9f00"}, "Host statistics are only available for the agent's own node, with -self; the agent at " + f.URL +
			" is node " + own + ", not node " + other + ": run with -self -address=http://10.0.0.2:4646"},
		{[]string{"-stats"}, "-stats shows one node"},
		{[]string{"-stats", "-json", "-self"}, "-stats and -json are exclusive"},
	} {
		meta, ui, _ := testMeta(t)
		if code := (&NodeStatusCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, tc.args...)); code != 1 || !strings.Contains(ui.ErrorWriter.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, ui.ErrorWriter.String(), tc.err)
		}
	}
	if q := queries(); len(q) != 2 {
		t.Errorf("refused runs still asked for stats: %q", q)
	}
}

func TestFormatHostStatsNotMeasured(t *testing.T) {
	got := formatHostStats(&api.HostStats{NotMeasured: []string{"Memory", "CPU", "DiskStats", "Uptime", "CPUTicksConsumed"},
		AllocDirStats: &api.HostDiskStats{Size: 2048, Used: 1024}})
	want := "Host Resource Utilization\n" + formatList([]string{"CPU|Memory|Disk", "not measured|not measured|1.0 KiB/2.0 KiB"})
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
