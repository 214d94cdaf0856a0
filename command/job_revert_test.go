package command

import (
	"strings"
	"testing"
)

func TestJobRevert(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.addJob(testJob("web", 3))
	meta, ui, _ := testMeta(t)
	if code := (&JobRevertCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "web", "0"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if f.bodies[0] != `{"JobID":"web","JobVersion":0,"EnforcePriorVersion":null}` {
		t.Fatalf("body = %s", f.bodies[0])
	}
	if f.jobs["web"].Version != 2 || f.jobs["web"].TaskGroups[0].Count != 1 {
		t.Fatalf("job after revert = %+v", f.jobs["web"])
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "00000001-1111-2222-3333-444444444444" {
		t.Fatalf("output = %q", got)
	}
}

func TestJobRevertMonitors(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.addJob(testJob("web", 3))
	meta, ui, _ := testMeta(t)
	if code := (&JobRevertCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-timeout=2s", "web", "0"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), `==> Monitoring evaluation "00000001"`) {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobRevertErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	cases := map[string][]string{
		`Invalid version "x"`: {"-address=" + f.URL, "web", "x"},
		"takes two arguments": {"-address=" + f.URL, "web"},
		"has no version 5":    {"-address=" + f.URL, "web", "5"},
	}
	for want, args := range cases {
		meta, ui, _ := testMeta(t)
		if code := (&JobRevertCommand{Meta: meta}).Run(args); code != 1 || !strings.Contains(ui.ErrorWriter.String(), want) {
			t.Errorf("args %v: exit %d, stderr %s", args, code, ui.ErrorWriter.String())
		}
	}
}
