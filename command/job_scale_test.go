package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobScaleSingleGroup(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	meta, ui, _ := testMeta(t)
	if code := (&JobScaleCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "web", "3"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.HasPrefix(f.bodies[0], `{"Count":3,"Target":{"Group":"frontend","Job":"web"}`) {
		t.Fatalf("body = %s", f.bodies[0])
	}
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != "00000001-1111-2222-3333-444444444444" {
		t.Fatalf("output = %q", got)
	}
}

func TestJobScaleNamedGroupAndErrors(t *testing.T) {
	f := newFakeAgent(t)
	job := testJob("web", 1)
	job.TaskGroups = append(job.TaskGroups, &api.TaskGroup{Name: "cache", Count: 1})
	f.addJob(job)

	meta, ui, _ := testMeta(t)
	if code := (&JobScaleCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "web", "cache", "0"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.HasPrefix(f.bodies[0], `{"Count":0,"Target":{"Group":"cache","Job":"web"}`) {
		t.Fatalf("body = %s", f.bodies[0])
	}

	cases := map[string][]string{
		`has 2 task groups (frontend, cache); name the one to scale`: {"-address=" + f.URL, "web", "2"},
		`has no task group "db"`:                                     {"-address=" + f.URL, "web", "db", "2"},
		`Invalid count "-1"`:                                         {"-address=" + f.URL, "web", "cache", "-1"},
		`Invalid count "many"`:                                       {"-address=" + f.URL, "web", "many"},
		"takes a job ID, an optional":                                {"-address=" + f.URL, "web"},
	}
	for want, args := range cases {
		meta, ui, _ := testMeta(t)
		if code := (&JobScaleCommand{Meta: meta}).Run(args); code != 1 || !strings.Contains(ui.ErrorWriter.String(), want) {
			t.Errorf("args %v: exit %d, stderr %s", args, code, ui.ErrorWriter.String())
		}
	}
}
