package agent

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestClientOnlyBackend: an agent without a server answers the API through
// its client's RPCs, shows its node ID and refuses gossip calls clearly.
func TestClientOnlyBackend(t *testing.T) {
	b := newFakeBackend()
	b.jobs["web"] = &structs.Job{ID: "web", Namespace: "default", Type: structs.JobTypeService, Status: "running"}
	c := newFakeClient(t, b)
	cfg := DevConfig()
	cfg.Server.Enabled = false
	m, err := newMetricsSinks(false)
	if err != nil {
		t.Fatal(err)
	}
	h := newHTTPServer(&clientBackend{client: c, region: "global"}, cfg, m, hclog.NewNullLogger())
	h.client = c
	srv := httptest.NewServer(h)
	defer srv.Close()

	if code, body := get(t, srv.URL+"/v1/jobs"); code != 200 || !strings.Contains(body, `"ID":"web"`) {
		t.Fatalf("jobs through the client: %d %s", code, body)
	}
	code, body := get(t, srv.URL+"/v1/agent/self")
	if code != 200 || !strings.Contains(body, `"node_id":"node-local-0000"`) || !strings.Contains(body, `"server":"false"`) {
		t.Fatalf("self: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/v1/agent/members"); code != 501 || !strings.Contains(body, "this agent runs no server") {
		t.Fatalf("members: %d %s", code, body)
	}
	if code, body := httpDo(t, "PUT", srv.URL+"/v1/agent/join?address=10.0.0.1", nil); code != 501 {
		t.Fatalf("join: %d %s", code, body)
	}
	code, body = get(t, srv.URL+"/v1/agent/health")
	if code != 200 || !strings.Contains(body, `"client":{"ok":true`) || strings.Contains(body, `"server"`) {
		t.Fatalf("health: %d %s", code, body)
	}
	b.leader = ""
	if code, body := get(t, srv.URL+"/v1/agent/health"); code != 500 || !strings.Contains(body, `"client":{"ok":false`) {
		t.Fatalf("health without leader: %d %s", code, body)
	}
}
