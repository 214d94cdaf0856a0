package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestDeploymentStatusByPrefix(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "ID          = 8990cfbc\n" +
		"Job ID      = web\n" +
		"Job Version = 3\n" +
		"Status      = running\n" +
		"Description = Deployment is running\n\n" +
		"Deployed\n" +
		"Task Group  Desired  Placed  Healthy  Unhealthy\n" +
		"frontend    3        2       1        0\n"
	if got := ui.OutputWriter.String(); got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
	if got := f.requests[0]; got != "GET /v1/deployments?prefix=8990" {
		t.Fatalf("lookup request = %s", got)
	}
}

func TestDeploymentStatusCanariesVerboseAndJSON(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	d.TaskGroups["frontend"].DesiredCanaries = 1
	f := newFakeDeploymentAgent(t, d)
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", "8990cfbc"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, "ID          = 8990cfbc-28c0-cb28-ca31-856cf691b987") ||
		!strings.Contains(out, "Task Group  Promoted  Desired  Canaries  Placed  Healthy  Unhealthy\nfrontend    false     3        1         2       1        0") {
		t.Fatalf("output:\n%s", out)
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var got api.Deployment
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &got); err != nil || got.ID != d.ID || got.TaskGroups["frontend"].DesiredCanaries != 1 {
		t.Fatalf("json %v: %s", err, ui.OutputWriter.String())
	}
}

func TestDeploymentStatusLookupErrors(t *testing.T) {
	f := newFakeDeploymentAgent(t,
		fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 1, 10),
		fakeDeployment("89ab0000-0000-0000-0000-000000000000", "failed", 0, 5))
	for _, tc := range []struct {
		id, err string
	}{
		{"8", "Deployment ID prefix must be at least two characters"},
		{"ff", `No deployment(s) with prefix or ID "ff" found`},
		{"89", `Prefix "89" matched multiple deployments; use a longer one`},
	} {
		meta, ui, _ := testMeta(t)
		if code := (&DeploymentStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, tc.id}); code != 1 ||
			!strings.Contains(ui.ErrorWriter.String(), tc.err) {
			t.Errorf("%s: exit %d stderr %q, want %q", tc.id, code, ui.ErrorWriter.String(), tc.err)
		}
	}
	meta, ui, _ := testMeta(t)
	(&DeploymentStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "89"})
	if !strings.Contains(ui.ErrorWriter.String(), "89ab0000-0000-0000-0000-000000000000  web     0            failed") {
		t.Fatalf("candidates not listed:\n%s", ui.ErrorWriter.String())
	}
}

func TestDeploymentStatusUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"a1", "b2"}} {
		meta, ui, _ := testMeta(t)
		if code := (&DeploymentStatusCommand{Meta: meta}).Run(args); code != 1 ||
			!strings.Contains(ui.ErrorWriter.String(), "takes one argument, a deployment ID or prefix") ||
			!strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish deployment status") {
			t.Errorf("%v: exit %d stderr %q", args, code, ui.ErrorWriter.String())
		}
	}
}
