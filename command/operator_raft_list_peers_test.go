package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestOperatorRaftListPeers(t *testing.T) {
	f := newFakeAgent(t)
	f.raft = &api.RaftConfiguration{Index: 20, Servers: []*api.RaftServer{
		{ID: "id-1", Node: "s1.global", Address: "10.0.0.1:4647", Leader: true, Voter: true, RaftProtocol: "3"},
		{ID: "id-2", Node: "s2.global", Address: "10.0.0.2:4647", Voter: false, RaftProtocol: "3"},
	}}
	meta, ui, _ := testMeta(t)

	if code := (&OperatorRaftListPeersCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-stale"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := formatList([]string{
		"Node|ID|Address|State|Voter|RaftProtocol",
		"s1.global|id-1|10.0.0.1:4647|leader|true|3",
		"s2.global|id-2|10.0.0.2:4647|follower|false|3",
	})
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("output =\n%s\nwant\n%s", got, want)
	}
	if !containsRequest(f, "GET /v1/operator/raft/configuration?stale") {
		t.Fatalf("requests = %v", f.requests)
	}
}

func TestOperatorRaftListPeersNoLeader(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	if code := (&OperatorRaftListPeersCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	if !strings.Contains(errOut, "Unexpected response code: 500 (No cluster leader)") || !strings.Contains(errOut, "retry with -stale") {
		t.Fatalf("stderr = %s", errOut)
	}
}

func TestOperatorRaftListPeersJSON(t *testing.T) {
	f := newFakeAgent(t)
	f.raft = &api.RaftConfiguration{Index: 5, Servers: []*api.RaftServer{
		{ID: "a", Node: "s1", Address: "127.0.0.1:4647", Leader: true, Voter: true, RaftProtocol: "3"},
	}}
	meta, ui, _ := testMeta(t)
	if code := (&OperatorRaftListPeersCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var cfg api.RaftConfiguration
	if err := json.Unmarshal(ui.OutputWriter.Bytes(), &cfg); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, ui.OutputWriter.String())
	}
	if len(cfg.Servers) != 1 || !cfg.Servers[0].Leader || cfg.Servers[0].Node != "s1" {
		t.Fatalf("servers = %+v", cfg.Servers)
	}
}
