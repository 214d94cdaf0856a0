package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobValidateValid(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobValidateCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if strings.TrimSpace(ui.OutputWriter.String()) != "Job validation successful" || !strings.HasPrefix(f.bodies[0], `{"Job":{"ID":"web"`) {
		t.Fatalf("output %q, body %s", ui.OutputWriter.String(), f.bodies[0])
	}
}

func TestJobValidateServerErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.validate = &api.JobValidateResponse{
		ValidationErrors: []string{"TaskGroups[0].Count: must not be negative", "TaskGroups[0].Tasks[0].Driver: missing"},
		Error:            "2 errors", Warnings: "deprecated field",
	}
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	if code := (&JobValidateCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	errOut := ui.ErrorWriter.String()
	for _, want := range []string{"Job validation errors (2):", "  * TaskGroups[0].Count: must not be negative", "  * TaskGroups[0].Tasks[0].Driver: missing", "deprecated field"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestJobValidateOffline(t *testing.T) {
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", webJobJSON)
	addr := deadAddress(t)
	if code := (&JobValidateCommand{Meta: meta}).Run([]string{"-address=" + addr, path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), "Job validation successful (local checks only)") ||
		!strings.Contains(ui.ErrorWriter.String(), "No agent answered at "+addr) {
		t.Fatalf("stdout %s\nstderr %s", ui.OutputWriter.String(), ui.ErrorWriter.String())
	}
}

func TestJobValidateBadFile(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "web.json", "{\n  \"ID\": 5\n}")
	if code := (&JobValidateCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), path+":2:9: ID: a JSON number cannot be used as string") || len(f.requests) != 0 {
		t.Fatalf("stderr %s, requests %v", ui.ErrorWriter.String(), f.requests)
	}
}

// TestJobValidateDeepNesting: a job file nested 100,000 levels deep used
// to kill the CLI with a Go stack overflow; it is a diagnostic at its
// position, and nothing is sent to the agent.
func TestJobValidateDeepNesting(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	src := "job \"j\" {\n  meta {\n    x = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n  }\n}\n"
	path := writeJobFile(t, "deep.hcl", src)
	if code := (&JobValidateCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), path+":3:") || !strings.Contains(ui.ErrorWriter.String(), "Nesting too deep") || len(f.requests) != 0 {
		t.Fatalf("stderr %s, requests %v", ui.ErrorWriter.String(), f.requests)
	}
}
