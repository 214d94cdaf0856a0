package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestDeploymentSetHealthResolvesPrefixes(t *testing.T) {
	d := fakeDeployment("8990cfbc-28c0-cb28-ca31-856cf691b987", "running", 3, 10)
	f := newFakeDeploymentAgent(t, d)
	f.allocs[d.ID] = []*api.AllocationListStub{
		{ID: "5a1b0c2d-0000-4000-8000-000000000001", Name: "web.frontend[0]"},
		{ID: "5a1b0c2d-0000-4000-8000-000000000002", Name: "web.frontend[1]"},
		{ID: "77777777-0000-4000-8000-000000000003", Name: "web.frontend[2]"},
	}
	meta, ui, _ := testMeta(t)
	code := (&DeploymentSetHealthCommand{Meta: meta}).Run([]string{"-address=" + f.URL,
		"-healthy", "5a1b0c2d-0000-4000-8000-000000000001", "-unhealthy", "7777", "8990"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := `{"DeploymentID":"8990cfbc-28c0-cb28-ca31-856cf691b987","HealthyAllocationIDs":["5a1b0c2d-0000-4000-8000-000000000001"],"UnhealthyAllocationIDs":["77777777-0000-4000-8000-000000000003"]}`
	if body := f.lastBody(); body != want {
		t.Fatalf("body %s, want %s", body, want)
	}
	if out := ui.OutputWriter.String(); !strings.Contains(out, "1 allocations marked healthy, 1 unhealthy") {
		t.Fatalf("output %q", out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"8990"}, "name at least one allocation with -healthy or -unhealthy"},
		{[]string{"-healthy", "5a1b", "8990"}, `"5a1b" matches 2 allocations`},
		{[]string{"-healthy", "9999", "8990"}, `no allocation of deployment "8990cfbc-28c0-cb28-ca31-856cf691b987" has an ID starting with "9999"`},
		{[]string{"-healthy", "", "8990"}, "take an allocation ID or prefix"},
	} {
		meta, ui, _ := testMeta(t)
		code := (&DeploymentSetHealthCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, c.args...))
		if code != 1 || !strings.Contains(ui.ErrorWriter.String(), c.want) {
			t.Errorf("%v: exit %d stderr %q, want %q", c.args, code, ui.ErrorWriter.String(), c.want)
		}
	}

	// An ended deployment: the server's refusal is printed.
	d.Status = "successful"
	meta, ui, _ = testMeta(t)
	if code := (&DeploymentSetHealthCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-healthy", "7777", "8990"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "is successful; only a running, paused or blocked deployment can change") {
		t.Fatalf("ended deployment: exit %d stderr %q", code, ui.ErrorWriter.String())
	}
}
