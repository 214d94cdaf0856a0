package command

import (
	"strings"
	"testing"
)

func TestDeploymentFailWithAutoRevert(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	d.TaskGroups["frontend"].AutoRevert = true
	f := newFakeDeploymentAgent(t, d)
	f.revertTo = 2
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentFailCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "Deployment \"8990cfbc-28c0-cb28-ca31-856cf691b987\" failed\n" +
		"Reverted to job version 2\n" +
		"Evaluation ID: eeeeeeee-0000-0000-0000-000000000001\n"
	if got := ui.OutputWriter.String(); got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
	if d.Status != "failed" || f.requests[len(f.requests)-1] != "PUT /v1/deployment/fail/8990cfbc-28c0-cb28-ca31-856cf691b987" {
		t.Fatalf("status %s requests %v", d.Status, f.requests)
	}
}

func TestDeploymentFailWithoutRevert(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "paused", 3, 10))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentFailCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990cfbc-28c0-cb28-ca31-856cf691b987"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, `Deployment "8990cfbc-28c0-cb28-ca31-856cf691b987" failed`) || strings.Contains(out, "Reverted") ||
		!strings.Contains(out, "Evaluation ID: eeeeeeee") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestDeploymentFailRefusedWhenNotActive(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "successful", 3, 10))
	meta, ui, _ := testMeta(t)
	if code := (&DeploymentFailCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "8990"}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	stderr := ui.ErrorWriter.String()
	want := `Error failing deployment "8990cfbc-28c0-cb28-ca31-856cf691b987": 1 validation error:` + "\n" +
		`  * DeploymentID: deployment "8990cfbc-28c0-cb28-ca31-856cf691b987" is successful; only a running, paused or blocked deployment can change`
	if !strings.Contains(stderr, want) || strings.Contains(stderr, "Unexpected response code") || ui.OutputWriter.String() != "" {
		t.Fatalf("stderr:\n%s\nstdout:\n%s", stderr, ui.OutputWriter.String())
	}
}

func TestDeploymentFailUsageAndLookupErrors(t *testing.T) {
	f := newFakeDeploymentAgent(t, fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10))
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "takes one argument, a deployment ID or prefix; got none"},
		{[]string{"8990", "extra"}, "takes one argument, a deployment ID or prefix; got 2: 8990 extra"},
		{[]string{"-bogus", "8990"}, "flag provided but not defined: -bogus"},
		{[]string{"ffff"}, `No deployment(s) with prefix or ID "ffff" found`},
	} {
		meta, ui, _ := testMeta(t)
		if code := (&DeploymentFailCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, tc.args...)); code != 1 ||
			!strings.Contains(ui.ErrorWriter.String(), tc.err) {
			t.Errorf("%v: exit %d stderr %q, want %q", tc.args, code, ui.ErrorWriter.String(), tc.err)
		}
	}
	for _, r := range f.requests {
		if strings.HasPrefix(r, "PUT") {
			t.Fatalf("a usage or lookup error still wrote: %v", f.requests)
		}
	}
}
