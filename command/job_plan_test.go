package command

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobPlanChangesExit1(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{
		JobModifyIndex: 7,
		Diff:           testJobDiff(),
		Annotations:    &api.PlanAnnotations{DesiredTGUpdates: map[string]*api.DesiredUpdates{"frontend": {Place: 2}}},
		Warnings:       "group \"frontend\": no update block",
	}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)

	code := (&JobPlanCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	out := ui.OutputWriter.String()
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, ui.ErrorWriter.String())
	}
	for _, want := range []string{
		`+/- Job: "web"`,
		`+/- Count: "1" => "3" (forces create)`,
		"Scheduler dry-run:\n- All tasks successfully allocated.",
		"Job Modify Index: 7",
		"nomadish job run -check-index 7 " + path,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(ui.ErrorWriter.String(), "no update block") {
		t.Errorf("warnings not shown: %s", ui.ErrorWriter.String())
	}
	if !strings.HasPrefix(f.bodies[0], `{"Job":{"ID":"web"`) || !strings.Contains(f.bodies[0], `"Diff":true`) {
		t.Fatalf("plan body = %s", f.bodies[0])
	}
	if f.requests[0] != "PUT /v1/job/web/plan" {
		t.Fatalf("requests = %v", f.requests)
	}
}

func TestJobPlanNoChangesExit0(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{
		JobModifyIndex: 9,
		Diff:           &api.JobDiff{Type: api.DiffTypeNone, ID: "web"},
		Annotations:    &api.PlanAnnotations{DesiredTGUpdates: map[string]*api.DesiredUpdates{"frontend": {Ignore: 1}}},
	}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobPlanCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, ui.OutputWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), "-check-index 9") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobPlanFailedPlacement(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{
		Diff: &api.JobDiff{Type: api.DiffTypeAdded, ID: "web"},
		FailedTGAllocs: map[string]*api.AllocationMetric{"frontend": {NodesEvaluated: 4, NodesExhausted: 1, NodesFiltered: 3,
			ConstraintFiltered: map[string]int{"missing drivers": 3},
			ConstraintDetails:  map[string]string{"missing drivers": `no node has driver "docker"; the 3 eligible nodes have drivers "exec", "wasm"`}}},
	}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobPlanCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{"WARNING: Failed to place all allocations", `Task Group "frontend" (failed to place 1 allocation)`, "Resources exhausted on 1 node",
		`* Constraint "missing drivers": 3 nodes excluded by filter: no node has driver "docker"; the 3 eligible nodes have drivers "exec", "wasm"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestJobPlanErrorsExit255(t *testing.T) {
	f := newFakeAgent(t) // f.plan nil: the agent answers 500
	path := writeJobFile(t, "web.json", webJobJSON)
	bad := writeJobFile(t, "bad.json", `{"Job": `)
	cases := map[string][]string{
		"Error during plan: Unexpected response code: 500": {"-address=" + f.URL, path},
		"Error parsing job file":                           {"-address=" + f.URL, bad},
		"takes one argument":                               {},
		"flag provided but not defined":                    {"-bogus", path},
		"connection refused":                               {"-address=" + deadAddress(t), path},
	}
	for want, args := range cases {
		meta, ui, _ := testMeta(t)
		if code := (&JobPlanCommand{Meta: meta}).Run(args); code != 255 {
			t.Errorf("args %v: exit %d, want 255", args, code)
		}
		if !strings.Contains(ui.ErrorWriter.String(), want) {
			t.Errorf("args %v: stderr lacks %q:\n%s", args, want, ui.ErrorWriter.String())
		}
	}
}

func TestJobPlanNoDiff(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{JobModifyIndex: 3}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobPlanCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-diff=false", path}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(f.bodies[0], `"Diff":false`) || strings.Contains(ui.OutputWriter.String(), "Scheduler dry-run") {
		t.Fatalf("body %s\noutput %s", f.bodies[0], ui.OutputWriter.String())
	}
}

// The -check-index command the plan suggests repeats the plan's -var-file
// and -var arguments, quoted so that a shell gives the command the same
// words.
func TestJobPlanCheckIndexRepeatsVariables(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{JobModifyIndex: 12, Diff: &api.JobDiff{Type: api.DiffTypeNone, ID: "web"}}
	path := writeJobFile(t, "web job.nomad.hcl", webJobHCL)
	varFile := writeJobFile(t, "prod.vars", "count = 2\n")
	meta, ui, _ := testMeta(t)
	args := []string{"-address=" + f.URL, "-var-file=" + varFile, "-var", "image_tag=it's 1.0", "-var", "count=3", path}
	if code := (&JobPlanCommand{Meta: meta}).Run(args); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
	var hint string
	for _, line := range strings.Split(ui.OutputWriter.String(), "\n") {
		if strings.HasPrefix(line, "nomadish job run -check-index 12 ") {
			hint = line
		}
	}
	if hint == "" {
		t.Fatalf("no -check-index command:\n%s", ui.OutputWriter.String())
	}
	got, err := exec.Command("sh", "-c", "set -- "+strings.TrimPrefix(hint, "nomadish ")+`; for a in "$@"; do printf '%s\n' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("shell on %q: %v", hint, err)
	}
	want := []string{"job", "run", "-check-index", "12", "-var-file=" + varFile, "-var", "image_tag=it's 1.0", "-var", "count=3", path}
	if strings.TrimSuffix(string(got), "\n") != strings.Join(want, "\n") {
		t.Fatalf("the shell reads %q as\n%s\nwant\n%s", hint, got, strings.Join(want, "\n"))
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"web.nomad.hcl":      "web.nomad.hcl",
		"count=3":            "count=3",
		"":                   "''",
		"a b":                "'a b'",
		"it's":               `'it'\''s'`,
		"$HOME":              "'$HOME'",
		"/tmp/x/-var-file.v": "/tmp/x/-var-file.v",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
