package command

import (
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

func TestDeploymentPauseThenResume(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	f := newFakeDeploymentAgent(t, d)
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentPauseCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if got := ui.OutputWriter.String(); got != "Deployment \"8990cfbc-28c0-cb28-ca31-856cf691b987\" paused\n" {
		t.Fatalf("pause output %q", got)
	}
	if d.Status != "paused" || f.lastBody() != `{"DeploymentID":"8990cfbc-28c0-cb28-ca31-856cf691b987","Pause":true}` {
		t.Fatalf("status %s body %s", d.Status, f.lastBody())
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentResumeCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "Deployment \"8990cfbc-28c0-cb28-ca31-856cf691b987\" resumed\nEvaluation ID: eeeeeeee-0000-0000-0000-000000000001\n"
	if got := ui.OutputWriter.String(); got != want {
		t.Fatalf("resume output %q, want %q", got, want)
	}
	if d.Status != "running" || f.lastBody() != `{"DeploymentID":"8990cfbc-28c0-cb28-ca31-856cf691b987","Pause":false}` {
		t.Fatalf("status %s body %s", d.Status, f.lastBody())
	}
}

func TestDeploymentPauseAndResumeRefusedWhenNotActive(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "failed", 3, 10))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentPauseCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `Error pausing deployment "8990cfbc-28c0-cb28-ca31-856cf691b987": 1 validation error:`) ||
		!strings.Contains(ui.ErrorWriter.String(), "is failed; only a running, paused or blocked deployment can change") {
		t.Fatalf("pause: exit %d stderr %q", code, ui.ErrorWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&DeploymentResumeCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `Error resuming deployment "8990cfbc-28c0-cb28-ca31-856cf691b987"`) {
		t.Fatalf("resume: exit %d stderr %q", code, ui.ErrorWriter.String())
	}
}

func TestDeploymentPauseAndResumeUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"a1", "b2"}} {
		meta, ui, _ := testMeta(t)
		if code := (&DeploymentPauseCommand{Meta: meta}).Run(args); code != 1 ||
			!strings.Contains(ui.ErrorWriter.String(), "takes one argument, a deployment ID or prefix") ||
			!strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish deployment pause") {
			t.Errorf("pause %v: exit %d stderr %q", args, code, ui.ErrorWriter.String())
		}
		meta, ui, _ = testMeta(t)
		if code := (&DeploymentResumeCommand{Meta: meta}).Run(args); code != 1 ||
			!strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish deployment resume") {
			t.Errorf("resume %v: exit %d stderr %q", args, code, ui.ErrorWriter.String())
		}
	}
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentResumeCommand{Meta: meta}).Run([]string{"-help"}); code != 0 ||
		!strings.Contains(ui.OutputWriter.String(), "progress deadline") {
		t.Fatalf("help: exit %d %q", code, ui.OutputWriter.String())
	}
}

func TestDeploymentParentListsSubcommands(t *testing.T) {
	ui := cli.NewMockUi()
	var help strings.Builder
	if code := runCLI([]string{"deployment"}, ui, &help, &help); code != 1 {
		t.Fatalf("exit %d", code)
	}
	out := help.String()
	if !strings.Contains(out, "Usage: nomadish deployment") {
		t.Fatalf("help =\n%s", out)
	}
	for _, sub := range []string{"fail", "list", "pause", "resume", "status"} {
		if !strings.Contains(out, "    "+sub) {
			t.Errorf("deployment help lacks %q:\n%s", sub, out)
		}
	}
}
