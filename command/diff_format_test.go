package command

import (
	"testing"

	"github.com/nomadish/nomadish/api"
)

func testJobDiff() *api.JobDiff {
	return &api.JobDiff{
		Type: api.DiffTypeEdited, ID: "web",
		Fields: []*api.FieldDiff{
			{Type: api.DiffTypeEdited, Name: "Priority", Old: "50", New: "60"},
			{Type: api.DiffTypeNone, Name: "Type", Old: "service", New: "service"},
		},
		TaskGroups: []*api.TaskGroupDiff{{
			Type: api.DiffTypeEdited, Name: "frontend",
			Fields: []*api.FieldDiff{{Type: api.DiffTypeEdited, Name: "Count", Old: "1", New: "3", Annotations: []string{"forces create"}}},
			Tasks: []*api.TaskDiff{{
				Type: api.DiffTypeEdited, Name: "server", Annotations: []string{"forces create/destroy update"},
				Objects: []*api.ObjectDiff{{
					Type: api.DiffTypeEdited, Name: "Config",
					Fields: []*api.FieldDiff{
						{Type: api.DiffTypeEdited, Name: "run_for", Old: "10s", New: "20s"},
						{Type: api.DiffTypeNone, Name: "exit_code", Old: "0", New: "0"},
						{Type: api.DiffTypeAdded, Name: "stdout_string", New: "hi"},
					},
				}},
			}, {Type: api.DiffTypeNone, Name: "sidecar"}},
		}, {Type: api.DiffTypeNone, Name: "unchanged"}, {Type: api.DiffTypeAdded, Name: "cache"}},
	}
}

func TestFormatJobDiff(t *testing.T) {
	updates := map[string]*api.DesiredUpdates{"frontend": {Place: 2, Ignore: 1}, "cache": {Place: 1}}
	got := formatJobDiff(testJobDiff(), false, updates)
	want := `+/- Job: "web"
+/- Priority: "50" => "60"
+/- Task Group: "frontend" (2 create, 1 ignore)
  +/- Count: "1" => "3" (forces create)
  +/- Task: "server" (forces create/destroy update)
    +/- Config {
      +/- run_for:       "10s" => "20s"
          exit_code:     "0"
        + stdout_string: "hi"
        }
      Task: "sidecar"
  + Task Group: "cache" (1 create)`
	if got != want {
		t.Fatalf("diff =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatJobDiffVerboseShowsUnchanged(t *testing.T) {
	got := formatJobDiff(testJobDiff(), true, nil)
	for _, want := range []string{`    Type:     "service"`, `    Task Group: "unchanged"`} {
		if !containsLine(got, want) {
			t.Errorf("verbose diff lacks line %q:\n%s", want, got)
		}
	}
}

func TestFormatJobDiffAddedJob(t *testing.T) {
	d := &api.JobDiff{Type: api.DiffTypeAdded, ID: "web", TaskGroups: []*api.TaskGroupDiff{{Type: api.DiffTypeAdded, Name: "g", Updates: map[string]uint64{"create": 1}}}}
	want := "+ Job: \"web\"\n+ Task Group: \"g\" (1 create)"
	if got := formatJobDiff(d, false, nil); got != want {
		t.Fatalf("diff =\n%s\nwant\n%s", got, want)
	}
}

func containsLine(text, line string) bool {
	for _, l := range splitLines(text) {
		if l == line {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// A diff the server marks "Edited" only because the scheduler would ignore
// the group's allocations is no change.
func TestEditedWithoutChangedLeavesIsUnchanged(t *testing.T) {
	d := &api.JobDiff{Type: api.DiffTypeEdited, ID: "web",
		Fields: []*api.FieldDiff{{Type: api.DiffTypeNone, Name: "Priority", Old: "50", New: "50"}},
		TaskGroups: []*api.TaskGroupDiff{{Type: api.DiffTypeEdited, Name: "frontend", Updates: map[string]uint64{"ignore": 1},
			Tasks: []*api.TaskDiff{{Type: api.DiffTypeNone, Name: "server"}}}}}
	if jobDiffChanged(d) {
		t.Fatal("jobDiffChanged = true")
	}
	want := "Job: \"web\"\nTask Group: \"frontend\" (1 ignore)"
	if got := formatJobDiff(d, false, nil); got != want {
		t.Fatalf("diff =\n%s\nwant\n%s", got, want)
	}
	resp := &api.JobPlanResponse{Diff: d, Annotations: &api.PlanAnnotations{DesiredTGUpdates: map[string]*api.DesiredUpdates{"frontend": {Ignore: 1}}}}
	if code := planExitCode(resp); code != 0 {
		t.Fatalf("plan exit code %d", code)
	}
	resp.Annotations.DesiredTGUpdates["frontend"].DestructiveUpdate = 1
	if code := planExitCode(resp); code != 1 {
		t.Fatalf("plan exit code with a destructive update %d", code)
	}
}
