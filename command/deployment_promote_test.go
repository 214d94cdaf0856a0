package command

import (
	"strings"
	"testing"
)

func TestDeploymentPromoteAllAndGroups(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	d.TaskGroups["frontend"].DesiredCanaries = 1
	f := newFakeDeploymentAgent(t, d)

	meta, ui, _ := testMeta(t)
	if code := (&DeploymentPromoteCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "Deployment \"8990cfbc-28c0-cb28-ca31-856cf691b987\" promoted\nEvaluation ID: eeeeeeee-0000-0000-0000-000000000001\n"
	if got := ui.OutputWriter.String(); got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
	if body := f.lastBody(); body != `{"DeploymentID":"8990cfbc-28c0-cb28-ca31-856cf691b987","All":true}` || !d.TaskGroups["frontend"].Promoted {
		t.Fatalf("body %s promoted %t", body, d.TaskGroups["frontend"].Promoted)
	}

	meta, ui, _ = testMeta(t)
	if code := (&DeploymentPromoteCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-group", "frontend", "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if body := f.lastBody(); body != `{"DeploymentID":"8990cfbc-28c0-cb28-ca31-856cf691b987","All":false,"Groups":["frontend"]}` {
		t.Fatalf("body %s", body)
	}
}

func TestDeploymentPromoteRefusalsArePrinted(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	d.TaskGroups["frontend"].DesiredCanaries = 2
	f := newFakeDeploymentAgent(t, d)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"8990"}, `group "frontend" has 1 of 2 canaries healthy`},
		{[]string{"-group", "api", "8990"}, `has no group "api"`},
	} {
		meta, ui, _ := testMeta(t)
		code := (&DeploymentPromoteCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, c.args...))
		if code != 1 || !strings.Contains(ui.ErrorWriter.String(), `Error promoting deployment "8990cfbc-28c0-cb28-ca31-856cf691b987"`) ||
			!strings.Contains(ui.ErrorWriter.String(), c.want) {
			t.Errorf("%v: exit %d stderr %q, want %q", c.args, code, ui.ErrorWriter.String(), c.want)
		}
	}
	if d.TaskGroups["frontend"].Promoted {
		t.Fatal("a refused promotion promoted the group")
	}
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentPromoteCommand{Meta: meta}).Run([]string{"-group", "", "8990"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "-group: a group name is required") {
		t.Fatalf("empty -group: exit %d stderr %q", code, ui.ErrorWriter.String())
	}
}
