package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

const webJobJSON = `{
  "Job": {
    "ID": "web",
    "Name": "web",
    "Type": "service",
    "Priority": 50,
    "Datacenters": ["dc1"],
    "TaskGroups": [{
      "Name": "frontend",
      "Count": 1,
      "Tasks": [{"Name": "server", "Driver": "mock", "Config": {"run_for": "10s"}, "KillTimeout": 5000000000}]
    }]
  }
}`

func writeJobFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJobRunDetach(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", path})
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, ui.ErrorWriter.String())
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "00000001-1111-2222-3333-444444444444" {
		t.Fatalf("-detach output = %q, want only the eval ID", got)
	}
	body := f.bodies[0]
	if !strings.HasPrefix(body, `{"Job":{"ID":"web"`) || !strings.Contains(body, `"EnforceIndex":false`) || !strings.Contains(body, `"KillTimeout":5000000000`) {
		t.Fatalf("register body = %s", body)
	}
	if f.jobs["web"].TaskGroups[0].Tasks[0].Config["run_for"] != "10s" {
		t.Fatalf("registered job = %+v", f.jobs["web"])
	}
}

func TestJobRunBareJobObject(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", `{"ID": "web", "Type": "batch", "TaskGroups": [{"Name": "g"}]}`)

	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", path}); code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, ui.ErrorWriter.String())
	}
	if f.jobs["web"] == nil || f.jobs["web"].Type != "batch" {
		t.Fatalf("jobs = %+v", f.jobs)
	}
}

func TestJobRunMonitorsUntilComplete(t *testing.T) {
	f := newFakeAgent(t)
	f.evalScript = []string{api.EvalStatusPending, api.EvalStatusComplete}
	f.evalAllocs = []*api.AllocationListStub{{ID: "aaaaaaaa-0000-0000-0000-000000000000", NodeID: "nnnnnnnn-0000-0000-0000-000000000000", TaskGroup: "frontend"}}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	out := ui.OutputWriter.String()
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, ui.ErrorWriter.String())
	}
	for _, want := range []string{
		`==> Monitoring evaluation "00000001"`,
		`Evaluation triggered by job "web" (job-register)`,
		`Evaluation status changed: "pending" -> "complete"`,
		`Allocation "aaaaaaaa" created: node "nnnnnnnn", group "frontend"`,
		`==> Evaluation "00000001" finished with status "complete"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The second read is a blocking query on the index the first returned.
	var evalReads []string
	for _, r := range f.requests {
		if strings.HasPrefix(r, "GET /v1/evaluation/00000001-1111-2222-3333-444444444444?") || r == "GET /v1/evaluation/00000001-1111-2222-3333-444444444444" {
			evalReads = append(evalReads, r)
		}
	}
	if len(evalReads) != 2 || !strings.Contains(evalReads[1], "index=11") || !strings.Contains(evalReads[1], "wait=") {
		t.Fatalf("evaluation reads = %v", evalReads)
	}
}

func TestJobRunPendingEvaluationTimesOut(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, clock := testMeta(t)
	start := clock.Now()
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-timeout=5s", path})
	out := ui.OutputWriter.String()
	if code != 0 {
		t.Fatalf("exit %d, want 0 for a still-pending evaluation\n%s%s", code, out, ui.ErrorWriter.String())
	}
	for _, want := range []string{`==> Evaluation "00000001" is still "pending" after 5s`, "nomadish job status web", "-detach"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if waited := clock.Now().Sub(start); waited < 5*time.Second {
		t.Fatalf("gave up after %s of fake time", waited)
	}
}

func TestJobRunPlacementFailureExits2(t *testing.T) {
	f := newFakeAgent(t)
	f.evalScript = []string{api.EvalStatusComplete}
	f.evalFailures = map[string]*api.AllocationMetric{"frontend": {
		NodesEvaluated: 3, NodesExhausted: 2, DimensionExhausted: map[string]int{"memory": 2},
		ConstraintFiltered: map[string]int{"${attr.kernel.name} = windows": 1},
	}}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	errOut := ui.ErrorWriter.String()
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	for _, want := range []string{
		`finished with status "complete" but failed to place all allocations`,
		`Task Group "frontend" (failed to place 1 allocation)`,
		`Constraint "${attr.kernel.name} = windows": 1 node excluded by filter`,
		`Resources exhausted on 2 nodes`,
		`Dimension "memory" exhausted on 2 nodes`,
		`Evaluation "bbbbbbbb" waiting for additional capacity`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestJobRunFailedEvaluationExits2(t *testing.T) {
	f := newFakeAgent(t)
	f.evalScript = []string{api.EvalStatusFailed}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), `finished with status "failed"`) {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}

func TestJobRunCheckIndex(t *testing.T) {
	f := newFakeAgent(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	meta, ui, _ := testMeta(t)
	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-check-index=0", path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(f.bodies[0], `"EnforceIndex":true,"JobModifyIndex":0`) {
		t.Fatalf("body = %s", f.bodies[0])
	}

	// The job exists now, so index 0 no longer matches.
	meta, ui, _ = testMeta(t)
	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-check-index=0", path})
	if code != 1 || !strings.Contains(ui.ErrorWriter.String(), "conflicting job modify index: 11") {
		t.Fatalf("exit %d, stderr %s", code, ui.ErrorWriter.String())
	}

	meta, ui, _ = testMeta(t)
	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-check-index=x", path}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `want a non-negative integer index, got "x"`) {
		t.Fatalf("bad -check-index: exit %d, stderr %s", code, ui.ErrorWriter.String())
	}
}

func TestJobRunBadFileNamesLineAndColumn(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", "{\n  \"Job\": {\n    \"ID\": \"web\"\n    \"Type\": \"service\"\n  }\n}\n")

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if want := path + ":4:5: invalid JSON"; !strings.Contains(ui.ErrorWriter.String(), want) {
		t.Fatalf("stderr lacks %q:\n%s", want, ui.ErrorWriter.String())
	}
	if len(f.requests) != 0 {
		t.Fatalf("a bad file still reached the agent: %v", f.requests)
	}
}

func TestJobRunPrintsServerValidationErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.registerStatus = 400
	f.registerBody = "2 errors occurred:\n\t* TaskGroups[0].Count: must be non-negative, got -1\n\t* TaskGroups[0].Tasks[0].Driver: missing"
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	errOut := ui.ErrorWriter.String()
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Error submitting job: Unexpected response code: 400", "* TaskGroups[0].Count: must be non-negative, got -1", "* TaskGroups[0].Tasks[0].Driver: missing"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestJobRunAgentUnreachable(t *testing.T) {
	meta, ui, _ := testMeta(t)
	addr := deadAddress(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + addr, path})
	errOut := ui.ErrorWriter.String()
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{`Error submitting job: Put "` + addr + `/v1/jobs": dial tcp`, "connection refused", "Set -address or NOMADISH_ADDR"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestJobRunUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"flag provided but not defined: -bogus": {"-bogus", "web.json"},
		"takes one argument":                    {},
		"Invalid -timeout 0s":                   {"-timeout=0s", "web.json"},
	}
	for want, args := range cases {
		meta, ui, _ := testMeta(t)
		code := (&JobRunCommand{Meta: meta}).Run(args)
		errOut := ui.ErrorWriter.String()
		if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "Usage: nomadish job run") {
			t.Errorf("args %v: exit %d, stderr:\n%s", args, code, errOut)
		}
	}
}

func TestJobRunPeriodicJobHasNoEvaluation(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "cron.json", `{"ID": "cron", "Type": "batch", "Periodic": {"Enabled": true, "Spec": "*/5 * * * *"}}`)

	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), `Job "cron" registered; it creates no evaluation`) {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobRunFromStdin(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	meta.stdin = strings.NewReader(webJobJSON)
	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-json", "-"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if f.jobs["web"] == nil {
		t.Fatalf("job not registered; requests %v", f.requests)
	}
}

func TestJobRunOutputDoesNotSubmit(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-output", path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.HasPrefix(ui.OutputWriter.String(), "{\n  \"Job\": {\n    \"ID\": \"web\"") || len(f.requests) != 0 {
		t.Fatalf("output %s, requests %v", ui.OutputWriter.String(), f.requests)
	}
}
