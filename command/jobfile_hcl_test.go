package command

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/jobspec"
)

// The examples job init writes parse cleanly, and the JSON one says the
// same as the short HCL one.
func TestJobInitExamplesParse(t *testing.T) {
	var jobs = map[string]string{"example.nomad.hcl": exampleJobHCL, "short.nomad.hcl": exampleJobShortHCL}
	for name, src := range jobs {
		job, warnings, err := parseHCLJob(name, []byte(src), nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(warnings) > 0 {
			t.Errorf("%s: warnings %v", name, warnings)
		}
		fromJSON, err := parseJobJSON("example.nomad.json", []byte(exampleJobJSON))
		if err != nil {
			t.Fatal(err)
		}
		tg, jtg := job.TaskGroups[0], fromJSON.TaskGroups[0]
		if job.ID != fromJSON.ID || tg.Name != jtg.Name || tg.Count != jtg.Count || tg.Tasks[0].Driver != jtg.Tasks[0].Driver ||
			tg.Tasks[0].Config["run_for"] != jtg.Tasks[0].Config["run_for"] || tg.Tasks[0].Resources.MemoryMB != jtg.Tasks[0].Resources.MemoryMB ||
			tg.RestartPolicy.Interval != jtg.RestartPolicy.Interval {
			t.Errorf("%s and the JSON example differ:\n%+v\n%+v", name, tg, jtg)
		}
	}
}

const webJobHCL = `variable "count" {
  type    = number
  default = 1
}

variable "image_tag" {
  type = string
}

job "web" {
  datacenters = ["dc1"]

  group "frontend" {
    count = var.count

    task "server" {
      driver = "mock"

      config {
        run_for       = "10s"
        stdout_string = var.image_tag
      }
    }
  }
}
`

func TestJobRunHCLWithVariables(t *testing.T) {
	f := newFakeAgent(t)
	path := writeJobFile(t, "web.nomad.hcl", webJobHCL)
	varFile := writeJobFile(t, "prod.vars", "count = 2\n")

	meta, ui, _ := testMeta(t)
	t.Setenv("NOMADISH_VAR_image_tag", "from-env")
	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-var-file", varFile, path})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	g := f.jobs["web"].TaskGroups[0]
	if g.Count != 2 || g.Tasks[0].Config["stdout_string"] != "from-env" {
		t.Fatalf("registered group = %+v, config %v", g, g.Tasks[0].Config)
	}

	meta, ui, _ = testMeta(t)
	code = (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-var", "count=3", "-var", "image_tag=v2", path})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	g = f.jobs["web"].TaskGroups[0]
	if g.Count != 3 || g.Tasks[0].Config["stdout_string"] != "v2" {
		t.Fatalf("registered group = %+v, config %v", g, g.Tasks[0].Config)
	}
}

func TestJobRunHCLMissingVariable(t *testing.T) {
	f := newFakeAgent(t)
	path := writeJobFile(t, "web.nomad.hcl", webJobHCL)
	meta, ui, _ := testMeta(t)
	t.Setenv("NOMADISH_VAR_image_tag", "") // restored after the test
	os.Unsetenv("NOMADISH_VAR_image_tag")
	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", path})
	errOut := ui.ErrorWriter.String()
	if code != 1 || len(f.requests) != 0 {
		t.Fatalf("exit %d, requests %v\n%s", code, f.requests, errOut)
	}
	for _, want := range []string{"image_tag", "-var", "-var-file", "NOMADISH_VAR_image_tag"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// A type error, a missing required attribute, a misspelt attribute and an
// unknown block: all four printed at once, with positions, exit 1.
func TestJobRunHCLPrintsEveryDiagnostic(t *testing.T) {
	f := newFakeAgent(t)
	path := writeJobFile(t, "bad.nomad.hcl", `job "web" {
  group "frontend" {
    count = "many"
    cuont = 2

    task "server" {
      config {
        run_for = "10s"
      }
    }

    bogus {
    }
  }
}
`)
	meta, ui, _ := testMeta(t)
	code := (&JobRunCommand{Meta: meta}).Run([]string{"-address=" + f.URL, path})
	errOut := ui.ErrorWriter.String()
	if code != 1 || len(f.requests) != 0 {
		t.Fatalf("exit %d, requests %v\n%s", code, f.requests, errOut)
	}
	for _, want := range []string{path + ":3:", path + ":4:", `Did you mean "count"?`, path + ":6:", path + ":12:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestParseHCLJobSyntaxError(t *testing.T) {
	_, _, err := parseHCLJob("x.hcl", []byte("job \"x\" {\n  group \"g\" {\n"), nil, nil)
	var de *jobspec.DiagnosticsError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "x.hcl:") {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestJobPlanHCLFromStdin(t *testing.T) {
	f := newFakeAgent(t)
	f.plan = &api.JobPlanResponse{}
	meta, ui, _ := testMeta(t)
	meta.stdin = strings.NewReader(webJobHCL)
	if code := (&JobPlanCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-var", "image_tag=x", "-"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), "nomadish job run -check-index 0 -") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}
