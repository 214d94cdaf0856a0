package agent

import "testing"

func TestStatus_LeaderPeers(t *testing.T) {
	a := newTestAPI(t)
	r := a.do(t, "GET", "/v1/status/leader", nil)
	r.expect(t, 200, `"127.0.0.1:4647"`)
	if r.header.Get("X-Nomad-KnownLeader") != "true" {
		t.Fatalf("headers = %v", r.header)
	}
	a.do(t, "GET", "/v1/status/peers", nil).expect(t, 200, `["127.0.0.1:4647"]`)
	a.do(t, "GET", "/v1/status/leader?region=eu", nil).expect(t, 400, `unknown region "eu"`)
}
