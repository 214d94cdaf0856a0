package command

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

var submitTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func TestJobStatusListsJobs(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Type: "service", Priority: 50, Status: "running"})
	f.addJob(&api.Job{ID: "cron", Type: "batch", Priority: 70, Status: "running", Periodic: &api.PeriodicConfig{Enabled: true}})
	meta, ui, _ := testMeta(t)

	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	date := submitTime.Local().Format(time.RFC3339)
	want := formatList([]string{
		"ID|Type|Priority|Status|Submit Date",
		"cron|batch/periodic|70|running|" + date,
		"web|service|50|running|" + date,
	})
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("output =\n%s\nwant\n%s", got, want)
	}
}

func TestJobStatusNoJobs(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.TrimSpace(ui.OutputWriter.String()) != "No running jobs" {
		t.Fatalf("output = %q", ui.OutputWriter.String())
	}
}

func TestJobStatusShowsOneJob(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Name: "web", Type: "service", Priority: 50, Namespace: "default", Status: "running",
		Datacenters: []string{"dc1", "dc2"}, TaskGroups: []*api.TaskGroup{{Name: "frontend", Count: 2}}})
	f.summaries["web"] = &api.JobSummary{JobID: "web", Summary: map[string]api.TaskGroupSummary{
		"frontend": {Queued: 1, Starting: 2, Running: 3, Failed: 4, Complete: 5, Lost: 6, Unknown: 7},
	}}
	meta, ui, clock := testMeta(t)
	created := clock.Now().Add(-5 * time.Minute).UnixNano()
	f.allocs["web"] = []*api.AllocationListStub{{
		ID: "a1b2c3d4-0000-0000-0000-000000000000", NodeID: "n1n2n3n4-0000-0000-0000-000000000000",
		TaskGroup: "frontend", JobVersion: 3, DesiredStatus: "run", ClientStatus: "running",
		CreateTime: created, ModifyTime: clock.Now().Add(-12 * time.Second).UnixNano(),
	}}

	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{
		"ID            = web",
		"Name          = web",
		"Submit Date   = " + submitTime.Local().Format(time.RFC3339),
		"Type          = service",
		"Priority      = 50",
		"Datacenters   = dc1,dc2",
		"Namespace     = default",
		"Status        = running",
		"Periodic      = false",
		"Parameterized = false",
		"Summary\nTask Group  Queued  Starting  Running  Failed  Complete  Lost  Unknown\nfrontend    1       2         3        4       5         6     7",
		"Allocations\nID        Node ID   Task Group  Version  Desired  Status   Created   Modified\na1b2c3d4  n1n2n3n4  frontend    3        run      running  5m0s ago  12s ago",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	meta, ui, _ = testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", "web"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := ui.OutputWriter.String(); !strings.Contains(out, "a1b2c3d4-0000-0000-0000-000000000000") || !strings.Contains(out, time.Unix(0, created).Local().Format(time.RFC3339)) {
		t.Fatalf("-verbose output lacks full IDs or absolute times:\n%s", out)
	}
}

func TestJobStatusNoAllocations(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Type: "service", Status: "pending", TaskGroups: []*api.TaskGroup{{Name: "g", Count: 1}}})
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.OutputWriter.String(), "Allocations\nNo allocations placed") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobStatusPrefixMatch(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "webserver", Name: "webserver", Type: "service"})
	f.addJob(&api.Job{ID: "cache", Type: "service"})
	meta, ui, _ := testMeta(t)

	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), "ID            = webserver") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
	if !containsRequest(f, "GET /v1/jobs?prefix=web") {
		t.Fatalf("no prefix query in %v", f.requests)
	}
}

func TestJobStatusAmbiguousPrefix(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web1", Type: "service"})
	f.addJob(&api.Job{ID: "web2", Type: "batch"})
	meta, ui, _ := testMeta(t)

	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	if !strings.Contains(errOut, `Prefix "web" matched multiple jobs`) || !strings.Contains(errOut, "web1") || !strings.Contains(errOut, "web2") {
		t.Fatalf("stderr = %s", errOut)
	}
}

func TestJobStatusUnknownJob(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "nope"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if got := strings.TrimSpace(ui.ErrorWriter.String()); got != `No job(s) with prefix or ID "nope" found` {
		t.Fatalf("stderr = %q", got)
	}
}

func TestJobStatusJSON(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Type: "service", TaskGroups: []*api.TaskGroup{{Name: "g", ShutdownDelay: time.Second}}})
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "web"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var job api.Job
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &job); err != nil {
		t.Fatalf("output is not a JSON job: %v\n%s", err, ui.OutputWriter.String())
	}
	if job.ID != "web" || job.TaskGroups[0].ShutdownDelay != time.Second {
		t.Fatalf("job = %+v", job)
	}
}

func TestJobStatusAgentUnreachable(t *testing.T) {
	meta, ui, _ := testMeta(t)
	addr := deadAddress(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + addr}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	want := `Error querying jobs: Get "` + addr + `/v1/jobs": dial tcp`
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "connection refused") || !strings.Contains(errOut, "-address or NOMADISH_ADDR") {
		t.Fatalf("stderr lacks %q and a hint:\n%s", want, errOut)
	}
}

func TestJobStatusTooManyArguments(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"a", "b"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "at most one argument") || !strings.Contains(ui.ErrorWriter.String(), "Usage: nomadish job status") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}

func containsRequest(f *fakeAgent, req string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if r == req {
			return true
		}
	}
	return false
}

func TestJobStatusLatestDeployment(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 2))
	f.deployments["web"] = &api.Deployment{ID: "dddddddd-0000-0000-0000-000000000000", JobID: "web", Status: "running",
		StatusDescription: "Deployment is running",
		TaskGroups:        map[string]*api.DeploymentState{"frontend": {DesiredTotal: 2, PlacedAllocs: 1, HealthyAllocs: 1}}}
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := "Latest Deployment\nID          = dddddddd\nStatus      = running\nDescription = Deployment is running\n\nDeployed\nTask Group  Desired  Placed  Healthy  Unhealthy\nfrontend    2        1       1        0"
	if !strings.Contains(ui.OutputWriter.String(), want) {
		t.Fatalf("output lacks\n%s\n---\n%s", want, ui.OutputWriter.String())
	}
}

// Without deployments (the agent answers 404, or null) the section is
// left out and the command still succeeds.
func TestJobStatusWithoutDeployment(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 2))
	meta, ui, _ := testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if strings.Contains(ui.OutputWriter.String(), "Latest Deployment") || ui.ErrorWriter.String() != "" {
		t.Fatalf("stdout %s\nstderr %s", ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
	f.deployments["web"] = nil
	meta, ui, _ = testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 || strings.Contains(ui.OutputWriter.String(), "Latest Deployment") {
		t.Fatalf("null deployment: exit %d\n%s", code, ui.OutputWriter.String())
	}
}
