package command

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

func TestJobHistoryWithDiffs(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.addJob(testJob("web", 3))
	f.versionDiffs = []*api.JobDiff{{Type: api.DiffTypeEdited, ID: "web", TaskGroups: []*api.TaskGroupDiff{{
		Type: api.DiffTypeEdited, Name: "frontend",
		Fields: []*api.FieldDiff{{Type: api.DiffTypeEdited, Name: "Count", Old: "1", New: "3"}},
	}}}}
	meta, ui, _ := testMeta(t)
	if code := (&JobHistoryCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-p", "we"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	date := submitTime.Local().Format(time.RFC3339)
	want := "Version     = 1\nStable      = false\nSubmit Date = " + date + "\nDiff        =\n+/- Job: \"web\"\n+/- Task Group: \"frontend\"\n  +/- Count: \"1\" => \"3\"\n\nVersion     = 0\nStable      = false\nSubmit Date = " + date + "\n"
	if out != want {
		t.Fatalf("output =\n%s\nwant\n%s", out, want)
	}
	if !strings.Contains(strings.Join(f.requests, "\n"), "GET /v1/job/web/versions?diffs=true") {
		t.Fatalf("requests = %v", f.requests)
	}
}

func TestJobHistoryOneVersionJSON(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.addJob(testJob("web", 3))
	meta, ui, _ := testMeta(t)
	if code := (&JobHistoryCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "-version=0", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var versions []*api.Job
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &versions); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || versions[0].Version != 0 || versions[0].TaskGroups[0].Count != 1 {
		t.Fatalf("versions = %s", ui.OutputWriter.String())
	}

	meta, ui, _ = testMeta(t)
	if code := (&JobHistoryCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-version=9", "web"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `Job "web" has no version 9`) {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
}

func TestJobHistoryFull(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 2))
	meta, ui, _ := testMeta(t)
	if code := (&JobHistoryCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-full", "web"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.OutputWriter.String(), "Full Job =\n{\n  \"ID\": \"web\"") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobHistoryUnknownJob(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	if code := (&JobHistoryCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "nope"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `No job(s) with prefix or ID "nope" found`) {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
}
