package command

import (
	"strings"
	"testing"
)

func TestServerJoin(t *testing.T) {
	f := newFakeAgent(t)
	f.joinResult = `{"num_joined":2,"error":""}`
	meta, ui, _ := testMeta(t)

	if code := (&ServerJoinCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "10.0.0.2", "10.0.0.3:4648"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if strings.TrimSpace(ui.OutputWriter.String()) != "Joined 2 servers successfully" {
		t.Fatalf("output = %q", ui.OutputWriter.String())
	}
	if !containsRequest(f, "PUT /v1/agent/join?address=10.0.0.2&address=10.0.0.3%3A4648") {
		t.Fatalf("requests = %v", f.requests)
	}
}

func TestServerJoinFailure(t *testing.T) {
	f := newFakeAgent(t)
	f.joinResult = `{"num_joined":0,"error":"1 error occurred:\n\t* Failed to join 10.0.0.9:4648: dial tcp 10.0.0.9:4648: i/o timeout"}`
	meta, ui, _ := testMeta(t)

	if code := (&ServerJoinCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "10.0.0.9"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "Error joining 10.0.0.9: 1 error occurred:\n\t* Failed to join 10.0.0.9:4648") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}

func TestServerJoinNeedsAddress(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&ServerJoinCommand{Meta: meta}).Run(nil); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "at least one argument") || !strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish server join") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}
