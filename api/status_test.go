package api

import "testing"

func TestStatusLeaderAndPeers(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/status/leader", 0, `"127.0.0.1:4647"`)
	f.handleJSON("GET /v1/status/peers", 0, `["127.0.0.1:4647","127.0.0.2:4647"]`)
	c := f.client(t)

	leader, err := c.Status().Leader()
	if err != nil || leader != "127.0.0.1:4647" {
		t.Fatalf("leader = %q, %v", leader, err)
	}
	if _, err := c.Status().LeaderOpts(&QueryOptions{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Get("region") != "eu" {
		t.Fatalf("region not sent: %s", f.last.URL)
	}
	peers, err := c.Status().Peers()
	if err != nil || len(peers) != 2 || peers[1] != "127.0.0.2:4647" {
		t.Fatalf("peers = %v, %v", peers, err)
	}
}
