package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestStatusListsJobsOrShowsOne(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Name: "web", Type: "service", Priority: 50, Status: "running"})

	meta, ui, _ := testMeta(t)
	if code := (&StatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if out := ui.OutputWriter.String(); !strings.Contains(out, "ID   Type     Priority  Status   Submit Date") || !strings.Contains(out, "web  service  50        running") {
		t.Fatalf("output = %s", out)
	}

	meta, ui, _ = testMeta(t)
	if code := (&StatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if out := ui.OutputWriter.String(); !strings.Contains(out, "ID            = web") || !strings.Contains(out, "Summary") {
		t.Fatalf("output = %s", out)
	}
}

func TestStatusUsageErrorShowsStatusHelp(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&StatusCommand{Meta: meta}).Run([]string{"-nope"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	if !strings.Contains(errOut, "flag provided but not defined: -nope") || !strings.Contains(errOut, "Usage: nomadish status") {
		t.Fatalf("stderr = %s", errOut)
	}
}
