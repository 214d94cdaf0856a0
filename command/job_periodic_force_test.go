package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobPeriodicForce(t *testing.T) {
	f := newFakeAgent(t)
	job := testJob("cron", 1)
	job.Periodic = &api.PeriodicConfig{Enabled: true, Spec: "@daily"}
	f.addJob(job)
	meta, ui, _ := testMeta(t)
	if code := (&JobPeriodicForceCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "cron"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(strings.Join(f.requests, "\n"), "PUT /v1/job/cron/periodic/force") {
		t.Fatalf("requests = %v", f.requests)
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "00000001-1111-2222-3333-444444444444" {
		t.Fatalf("output = %q", got)
	}
}

func TestJobPeriodicForceNotPeriodic(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	meta, ui, _ := testMeta(t)
	if code := (&JobPeriodicForceCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `Job "web" is not a periodic job`) {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
}
