package agent

import (
	"reflect"
	"testing"
)

func TestAgent_Members(t *testing.T) {
	a := newTestAPI(t)
	var out membersResponse
	a.do(t, "GET", "/v1/agent/members", nil).decode(t, &out)
	if out.ServerName != "node1" || out.ServerRegion != "global" || out.ServerDC != "dc1" || len(out.Members) != 1 {
		t.Fatalf("members = %+v", out)
	}
	m := out.Members[0]
	want := Member{Name: "node1.global", Addr: "127.0.0.1", Port: 4648, Status: "alive",
		Tags:        map[string]string{"region": "global", "dc": "dc1", "role": "nomad", "port": "4647"},
		ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("member = %+v, want %+v", m, want)
	}
	a.do(t, "GET", "/v1/agent/members?wan=true", nil).decode(t, &out)
	if len(out.Members) != 2 || out.Members[0].Name != "eu1.eu" {
		t.Fatalf("wan members = %+v", out.Members)
	}
}

func TestAgent_Self(t *testing.T) {
	a := newTestAPI(t)
	var out struct {
		Config map[string]interface{}       `json:"config"`
		Member *Member                      `json:"member"`
		Stats  map[string]map[string]string `json:"stats"`
	}
	a.do(t, "GET", "/v1/agent/self", nil).decode(t, &out)
	if out.Config["Region"] != "global" || out.Config["NodeName"] != "node1" {
		t.Fatalf("config = %+v", out.Config)
	}
	if out.Member == nil || out.Member.Name != "node1.global" {
		t.Fatalf("member = %+v", out.Member)
	}
	if out.Stats["raft"]["state"] != "Leader" || out.Stats["runtime"]["goroutines"] == "" {
		t.Fatalf("stats = %+v", out.Stats)
	}
}

func TestAgent_Join(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/agent/join?address=10.0.0.1:4648&address=10.0.0.2:4648", nil).
		expect(t, 200, `{"num_joined":2,"error":""}`)
	a.do(t, "POST", "/v1/agent/join?address=10.0.0.3:4648&address=bad:1", nil).
		expect(t, 200, `"num_joined":1`, `"error":"failed to join bad:1: connection refused"`)
	a.do(t, "PUT", "/v1/agent/join", nil).expect(t, 400, "missing address")
	a.do(t, "PUT", "/v1/agent/join?address=10.0.0.9:4649&wan=true", nil).expect(t, 200, `"num_joined":1`)
}

func TestAgent_Health(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/agent/health", nil).expect(t, 200, `{"server":{"ok":true,"message":"ok"}}`)
	a.backend.mu.Lock()
	a.backend.leader = ""
	a.backend.mu.Unlock()
	a.do(t, "GET", "/v1/agent/health", nil).expect(t, 500, `{"server":{"ok":false,"message":"No cluster leader"}}`)
}
