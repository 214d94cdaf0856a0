package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobStopDetach(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Type: "service", Status: "running"})
	meta, ui, _ := testMeta(t)

	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "00000001-1111-2222-3333-444444444444" {
		t.Fatalf("output = %q", got)
	}
	if !f.jobs["web"].Stop || !containsRequest(f, "DELETE /v1/job/web") {
		t.Fatalf("job not stopped; requests %v", f.requests)
	}
}

func TestJobStopPurgeMonitors(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Type: "service", Status: "running"})
	f.evalScript = []string{api.EvalStatusComplete}
	meta, ui, _ := testMeta(t)

	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-purge", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if _, ok := f.jobs["web"]; ok || !containsRequest(f, "DELETE /v1/job/web?purge=true") {
		t.Fatalf("job not purged; requests %v", f.requests)
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, `Evaluation triggered by job "web" (job-deregister)`) || !strings.Contains(out, `==> Evaluation "00000001" finished with status "complete"`) {
		t.Fatalf("output = %s", out)
	}
}

func TestJobStopPrefixAsksForConfirmation(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "webserver", Type: "service"})

	meta, ui, _ := testMeta(t)
	ui.InputReader = strings.NewReader("n\n")
	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, `Are you sure you want to stop job "webserver"? [y/N]`) || !strings.Contains(out, "Cancelling job stop") {
		t.Fatalf("output = %s", out)
	}
	if f.jobs["webserver"].Stop {
		t.Fatal("job stopped although the answer was no")
	}

	meta, ui, _ = testMeta(t)
	ui.InputReader = strings.NewReader("y\n")
	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !f.jobs["webserver"].Stop {
		t.Fatal("job not stopped after yes")
	}

	f.jobs["webserver"].Stop = false
	meta, ui, _ = testMeta(t)
	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-yes", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if strings.Contains(ui.OutputWriter.String(), "Are you sure") || !f.jobs["webserver"].Stop {
		t.Fatalf("-yes still asked or did not stop: %s", ui.OutputWriter.String())
	}
}

func TestJobStopUnknownJob(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	if code := (&JobStopCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "nope"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), `No job(s) with prefix or ID "nope" found`) {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}

func TestJobStopNeedsOneArgument(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&JobStopCommand{Meta: meta}).Run(nil); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish job stop") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}
