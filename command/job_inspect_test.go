package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobInspect(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.addJob(testJob("web", 4))
	for args, count := range map[string]int{"": 4, "-version=0": 1, "-version=1": 4} {
		meta, ui, _ := testMeta(t)
		argv := []string{"-address=" + f.URL}
		if args != "" {
			argv = append(argv, args)
		}
		if code := (&JobInspectCommand{Meta: meta}).Run(append(argv, "web")); code != 0 {
			t.Fatalf("%s: exit %d: %s", args, code, ui.ErrorWriter.String())
		}
		var out struct{ Job *api.Job }
		if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &out); err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		if out.Job == nil || out.Job.TaskGroups[0].Count != count {
			t.Fatalf("%s: output = %s", args, ui.OutputWriter.String())
		}
	}
}

func TestJobInspectOutputRunsAgain(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 2))
	meta, ui, _ := testMeta(t)
	if code := (&JobInspectCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatal(code)
	}
	path := writeJobFile(t, "web.json", ui.OutputWriter.String())
	job, err := readJobFile(path)
	if err != nil || job.ID != "web" {
		t.Fatalf("job %+v, err %v", job, err)
	}
}

func TestJobInspectMissingVersion(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 2))
	meta, ui, _ := testMeta(t)
	if code := (&JobInspectCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-version=3", "web"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `Job "web" has no version 3`) {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
}
