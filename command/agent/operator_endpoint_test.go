package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestOperator_RaftConfiguration(t *testing.T) {
	a := newTestAPI(t)
	var out structs.RaftConfigurationResponse
	r := a.do(t, "GET", "/v1/operator/raft/configuration", nil)
	r.expect(t, 200)
	r.decode(t, &out)
	if out.Index != 10 || len(out.Servers) != 1 || !out.Servers[0].Leader || out.Servers[0].Address != "127.0.0.1:4647" {
		t.Fatalf("config = %+v", out)
	}
	if r.header.Get("X-Nomad-Index") != "10" {
		t.Fatalf("headers = %v", r.header)
	}
}
