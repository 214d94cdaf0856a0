package agent

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/serf/serf"

	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// newClientTestAPI is newTestAPI on an agent that also runs a (fake)
// client.
func newClientTestAPI(t *testing.T) (*testAPI, *fakeClient) {
	t.Helper()
	api := newTestAPI(t)
	c := newFakeClient(t, api.backend)
	api.http.client = c
	return api, c
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	code, body := httpDo(t, "GET", url, nil)
	return code, string(body)
}

// TestClientProxy: an allocation on another node is looked up on the
// servers and the request proxied to that node's HTTP API; unknown
// allocations and nodes are 404s, a bad task name is refused before any
// proxying.
func TestClientProxy(t *testing.T) {
	// The remote node: an agent whose client holds the allocation.
	remote, rc := newClientTestAPI(t)
	rc.nodeID = "node-remote-1111"
	ra := rc.addAlloc(t, "alloc-far", "web")
	ra.writeLog(t, "web", "stdout", 0, "far away\n")

	// This agent: a server without a client; its backend knows the
	// allocation and the remote node's HTTP address.
	api := newTestAPI(t)
	api.backend.allocs["alloc-far"] = ra.Alloc()
	ra.alloc.NodeID = rc.nodeID
	api.backend.nodes[rc.nodeID] = &structs.Node{ID: rc.nodeID, Name: "remote", HTTPAddr: strings.TrimPrefix(remote.srv.URL, "http://")}

	if code, body := get(t, api.srv.URL+"/v1/client/fs/logs/alloc-far?task=web&plain=true"); code != 200 || body != "far away\n" {
		t.Fatalf("proxied logs: %d %q", code, body)
	}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/cat/alloc-far?path=alloc/logs/web.stdout.0"); code != 200 || body != "far away\n" {
		t.Fatalf("proxied cat: %d %q", code, body)
	}
	if code, body := httpDo(t, "PUT", api.srv.URL+"/v1/client/allocation/alloc-far/signal", map[string]string{"Signal": "SIGHUP", "Task": "web"}); code != 200 {
		t.Fatalf("proxied signal: %d %s", code, body)
	}
	if got := strings.Join(ra.signals, ","); got != "web:SIGHUP" {
		t.Fatalf("remote signals = %q (body lost in proxying?)", got)
	}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/logs/alloc-far?task=db"); code != 400 || !strings.Contains(body, "its tasks: web") {
		t.Fatalf("bad task: %d %q", code, body)
	}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/ls/nope"); code != 404 || !strings.Contains(body, `allocation "nope" not found`) {
		t.Fatalf("unknown alloc: %d %q", code, body)
	}

	// A node that is gone, or whose agent does not hold the allocation.
	api.backend.allocs["alloc-orphan"] = &structs.Allocation{ID: "alloc-orphan", NodeID: "node-gone", Job: ra.alloc.Job, TaskGroup: "g"}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/ls/alloc-orphan"); code != 404 || !strings.Contains(body, `node "node-gone" of allocation "alloc-orphan" not found`) {
		t.Fatalf("unknown node: %d %q", code, body)
	}
	api.backend.allocs["alloc-lost"] = &structs.Allocation{ID: "alloc-lost", NodeID: rc.nodeID, Job: ra.alloc.Job, TaskGroup: "g"}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/ls/alloc-lost"); code != 404 || !strings.Contains(body, "not running on this node") {
		t.Fatalf("remote without the alloc: %d %q", code, body)
	}

	// An unreachable node is a 502 naming it.
	api.backend.nodes[rc.nodeID].HTTPAddr = "127.0.0.1:1"
	if code, body := get(t, api.srv.URL+"/v1/client/fs/ls/alloc-far"); code != 502 || !strings.Contains(body, "could not be reached at 127.0.0.1:1") {
		t.Fatalf("unreachable node: %d %q", code, body)
	}
}

// TestClientProxyToRegion: a client request for an allocation of another
// region goes to a server agent of that region (from the WAN pool's
// gossip) with the region kept, and is never sent to a region twice.
func TestClientProxyToRegion(t *testing.T) {
	// A server agent of region eu whose client holds the allocation.
	eu, ec := newClientTestAPI(t)
	eu.http.agent.config.Region = "eu"
	ea := ec.addAlloc(t, "alloc-eu", "web")
	ea.writeLog(t, "web", "stdout", 0, "from eu\n")

	api := newTestAPI(t)
	api.backend.wan = []serf.Member{{
		Name: "eu-1.eu", Status: serf.StatusAlive,
		Tags: map[string]string{"role": "nomadish", "region": "eu", "rpc_addr": "127.0.0.1", "port": "4647",
			nomadish.TagHTTPAddr: strings.TrimPrefix(eu.srv.URL, "http://")},
	}}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/logs/alloc-eu?task=web&plain=true&region=eu"); code != 200 || body != "from eu\n" {
		t.Fatalf("logs of an allocation of region eu: %d %q", code, body)
	}

	// Already sent on by an agent of another region: served here, or
	// not at all, never proxied again.
	req, _ := http.NewRequest("GET", api.srv.URL+"/v1/client/fs/logs/alloc-eu?task=web&plain=true&region=eu", nil)
	req.Header.Set(regionForwardedHeader, "global")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || !strings.Contains(string(body), `unknown region "eu"`) {
		t.Fatalf("a request already forwarded between regions: %d %q; want this agent's own lookup (its backend knows no eu)", resp.StatusCode, body)
	}

	// A region whose servers gossip no HTTP address: the allocation is
	// looked up through the servers, as for the local region.
	api.backend.wan[0].Tags[nomadish.TagHTTPAddr] = ""
	if code, body := get(t, api.srv.URL+"/v1/client/fs/ls/alloc-eu?region=eu"); code != 400 || !strings.Contains(body, `unknown region "eu"`) {
		t.Fatalf("without a gossiped address: %d %q", code, body)
	}
}
