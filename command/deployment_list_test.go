package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestDeploymentListTable(t *testing.T) {
	f := newFakeDeploymentAgent(t,
		fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "successful", 0, 10),
		fakeDeployment("0b23b149-0000-0000-0000-000000000000", "running", 1, 20))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "ID        Job ID  Job Version  Status      Description\n" +
		"0b23b149  web     1            running     Deployment is running\n" +
		"8990cfbc  web     0            successful  Deployment is successful\n"
	if got := ui.OutputWriter.String(); got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose"}); code != 0 ||
		!strings.Contains(ui.OutputWriter.String(), "8990cfbc-28c0-cb28-ca31-856cf691b987") {
		t.Fatalf("exit %d verbose output:\n%s", code, ui.OutputWriter.String())
	}
}

func TestDeploymentListJSONAndEmpty(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 2, 10))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var deps []*api.Deployment
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &deps); err != nil || len(deps) != 1 || deps[0].JobVersion != 2 {
		t.Fatalf("json %v: %s", err, ui.OutputWriter.String())
	}

	empty := newFakeDeploymentAgent(t)
	meta, ui, _ = testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-address=" + empty.URL}); code != 0 ||
		strings.TrimSpace(ui.OutputWriter.String()) != "No deployments found" {
		t.Fatalf("exit %d output %q", code, ui.OutputWriter.String())
	}
}

func TestDeploymentListUsageAndErrors(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"extra"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "takes no arguments; got 1: extra") ||
		!strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish deployment list") {
		t.Fatalf("exit %d stderr %q", code, ui.ErrorWriter.String())
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-help"}); code != 0 ||
		!strings.Contains(ui.OutputWriter.String(), "-verbose") || !strings.Contains(ui.OutputWriter.String(), "General Options:") {
		t.Fatalf("help: exit %d output %q", code, ui.OutputWriter.String())
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentListCommand{Meta: meta}).Run([]string{"-address=" + deadAddress(t)}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "Error listing deployments") || !strings.Contains(ui.ErrorWriter.String(), "Is a nomadish agent running") {
		t.Fatalf("dead agent: exit %d stderr %q", code, ui.ErrorWriter.String())
	}
}
