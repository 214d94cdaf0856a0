package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func member(name, addr, region, dc string) *api.Member {
	return &api.Member{Name: name + "." + region, Addr: addr, Port: 4648, Status: "alive", ProtocolCur: 2,
		Tags: map[string]string{"region": region, "dc": dc, "rpc_addr": addr, "port": "4647", "raft_vsn": "3", "build": "0.1.0", "role": "nomadish"}}
}

func TestServerMembersMarksLeader(t *testing.T) {
	f := newFakeAgent(t)
	f.members = &api.ServerMembers{ServerName: "s1", ServerRegion: "global", ServerDC: "dc1", Members: []*api.Member{
		member("s2", "10.0.0.2", "global", "dc1"), member("s1", "10.0.0.1", "global", "dc1"), member("s3", "10.0.0.3", "global", "dc1"),
	}}
	f.leaders["global"] = "10.0.0.2:4647"
	meta, ui, _ := testMeta(t)

	if code := (&ServerMembersCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := formatList([]string{
		"Name|Address|Port|Status|Leader|Raft Version|Build|Datacenter|Region",
		"s1.global|10.0.0.1|4648|alive|false|3|0.1.0|dc1|global",
		"s2.global|10.0.0.2|4648|alive|true|3|0.1.0|dc1|global",
		"s3.global|10.0.0.3|4648|alive|false|3|0.1.0|dc1|global",
	})
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("output =\n%s\nwant\n%s", got, want)
	}
	if containsRequest(f, "GET /v1/agent/members?wan=true") {
		t.Fatal("LAN listing asked for the WAN pool")
	}
}

func TestServerMembersWANFindsEachRegionsLeader(t *testing.T) {
	f := newFakeAgent(t)
	f.wanMembers = &api.ServerMembers{Members: []*api.Member{
		member("s1", "10.0.0.1", "global", "dc1"), member("e1", "10.1.0.1", "eu", "ams"), member("e2", "10.1.0.2", "eu", "ams"),
	}}
	f.leaders["global"] = "10.0.0.1:4647"
	f.leaders["eu"] = "10.1.0.2:4647"
	meta, ui, _ := testMeta(t)

	if code := (&ServerMembersCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-wan"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	lines := strings.Split(strings.TrimSpace(ui.OutputWriter.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("output = %q", lines)
	}
	for i, want := range []string{"e1.eu  10.1.0.1  4648  alive  false", "e2.eu  10.1.0.2  4648  alive  true", "s1.global  10.0.0.1  4648  alive  true"} {
		if !strings.HasPrefix(strings.Join(strings.Fields(lines[i+1]), "  "), want) {
			t.Errorf("line %d = %q, want prefix %q", i+1, lines[i+1], want)
		}
	}
	if !containsRequest(f, "GET /v1/status/leader?region=eu") {
		t.Fatalf("leader of eu not asked: %v", f.requests)
	}
}

func TestServerMembersDetailedShowsTags(t *testing.T) {
	f := newFakeAgent(t)
	f.members = &api.ServerMembers{Members: []*api.Member{member("s1", "10.0.0.1", "global", "dc1")}}
	f.leaders["global"] = "10.0.0.1:4647"
	meta, ui, _ := testMeta(t)

	if code := (&ServerMembersCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detailed"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, "Protocol") || !strings.Contains(out, "Tags") ||
		!strings.Contains(out, "build=0.1.0,dc=dc1,port=4647,raft_vsn=3,region=global,role=nomadish,rpc_addr=10.0.0.1") {
		t.Fatalf("output = %s", out)
	}
}

func TestServerMembersLeaderUnknown(t *testing.T) {
	f := newFakeAgent(t)
	f.members = &api.ServerMembers{Members: []*api.Member{member("s1", "10.0.0.1", "global", "dc1")}}
	meta, ui, _ := testMeta(t)

	if code := (&ServerMembersCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.OutputWriter.String(), "alive   false") || !strings.Contains(ui.ErrorWriter.String(), `Could not find the leader of region "global"`) {
		t.Fatalf("stdout %s\nstderr %s", ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
}

func TestServerMembersRejectsArguments(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&ServerMembersCommand{Meta: meta}).Run([]string{"extra"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "takes no arguments") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}
