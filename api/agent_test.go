package api

import (
	"errors"
	"net/http"
	"testing"
)

const membersJSON = `{"ServerName":"s1","ServerRegion":"global","ServerDC":"dc1","Members":[
	{"Name":"s1.global","Addr":"10.0.0.1","Port":4648,"Status":"alive","ProtocolMin":1,"ProtocolMax":5,"ProtocolCur":2,
	 "DelegateMin":2,"DelegateMax":5,"DelegateCur":4,
	 "Tags":{"region":"global","dc":"dc1","rpc_addr":"10.0.0.1","port":"4647","raft_vsn":"3","build":"0.1.0"}}]}`

func TestAgentMembers(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/agent/members", 0, membersJSON)
	c := f.client(t)

	m, err := c.Agent().Members(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Has("wan") {
		t.Fatalf("LAN members asked for wan: %s", f.last.URL)
	}
	if m.ServerDC != "dc1" || len(m.Members) != 1 || m.Members[0].Port != 4648 || m.Members[0].ProtocolCur != 2 {
		t.Fatalf("members = %+v", m)
	}
	if got := m.Members[0].RPCAddr(); got != "10.0.0.1:4647" {
		t.Fatalf("RPCAddr = %q", got)
	}

	if _, err := c.Agent().MembersWAN(nil); err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Get("wan") != "true" {
		t.Fatalf("WAN members did not ask for wan: %s", f.last.URL)
	}
}

func TestMemberRPCAddr(t *testing.T) {
	cases := []struct {
		tags map[string]string
		want string
	}{
		{map[string]string{"rpc_addr": "::1", "port": "4647"}, "[::1]:4647"},
		{map[string]string{"rpc_addr": "10.0.0.1"}, ""},
		{map[string]string{"rpc_addr": "10.0.0.1", "port": "x"}, ""},
	}
	for _, tc := range cases {
		if got := (&Member{Tags: tc.tags}).RPCAddr(); got != tc.want {
			t.Errorf("RPCAddr(%v) = %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestAgentSelfAndHealth(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/agent/self", 0, `{"config":{"Region":"global","Datacenter":"dc1"},
		"member":{"Name":"s1.global","Tags":{"region":"global"}},"stats":{"raft":{"state":"Leader"}}}`)
	f.handleJSON("GET /v1/agent/health", 0, `{"server":{"ok":true,"message":"ok"}}`)
	c := f.client(t)

	self, err := c.Agent().Self()
	if err != nil {
		t.Fatal(err)
	}
	if self.Config["Region"] != "global" || self.Member.Name != "s1.global" || self.Stats["raft"]["state"] != "Leader" {
		t.Fatalf("self = %+v", self)
	}
	h, err := c.Agent().Health()
	if err != nil || !h.Server.Ok || h.Client != nil {
		t.Fatalf("health = %+v, %v", h, err)
	}
}

func TestAgentJoin(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("PUT /v1/agent/join", func(w http.ResponseWriter, r *http.Request) {
		switch n := len(r.URL.Query()["address"]); n {
		case 2:
			w.Write([]byte(`{"num_joined":2,"error":""}`))
		case 1:
			w.Write([]byte(`{"num_joined":0,"error":"dial tcp 10.0.0.9:4648: i/o timeout"}`))
		default:
			w.Write([]byte(`{"num_joined":0,"error":""}`))
		}
	})
	c := f.client(t)

	n, err := c.Agent().Join("10.0.0.2", "10.0.0.3:4648")
	if err != nil || n != 2 {
		t.Fatalf("join = %d, %v", n, err)
	}
	if got := f.last.URL.Query()["address"]; got[0] != "10.0.0.2" || got[1] != "10.0.0.3:4648" {
		t.Fatalf("addresses sent = %v", got)
	}
	if _, err := c.Agent().Join("10.0.0.9"); err == nil || err.Error() != "dial tcp 10.0.0.9:4648: i/o timeout" {
		t.Fatalf("join error = %v", err)
	}
	if _, err := c.Agent().Join(); !errors.Is(err, ErrJoinedNone) {
		t.Fatalf("join of none = %v", err)
	}
}
