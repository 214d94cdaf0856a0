package api

import "testing"

func TestOperatorRaftGetConfiguration(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/operator/raft/configuration", 0, `{"Index":7,"Servers":[
		{"ID":"id-1","Node":"s1.global","Address":"10.0.0.1:4647","Leader":true,"Voter":true,"RaftProtocol":"3"},
		{"ID":"id-2","Node":"s2.global","Address":"10.0.0.2:4647","Leader":false,"Voter":true,"RaftProtocol":"3"}]}`)
	cfg, err := f.client(t).Operator().RaftGetConfiguration(&QueryOptions{AllowStale: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Index != 7 || len(cfg.Servers) != 2 || !cfg.Servers[0].Leader || cfg.Servers[1].RaftProtocol != "3" {
		t.Fatalf("configuration = %+v", cfg)
	}
	if !f.last.URL.Query().Has("stale") {
		t.Fatalf("stale not sent: %s", f.last.URL)
	}
}
