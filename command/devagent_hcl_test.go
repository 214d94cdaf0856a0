package command

import (
	"strings"
	"testing"
)

func TestDevAgentRunHCL(t *testing.T) {
	d := startDevAgent(t)
	d.addNodes(t, 2)
	path := writeFile(t, "web.nomad.hcl", webJobHCL)

	out := mustRun(t, d, 1, "job", "plan", "-var", "image_tag=v1", path)
	if !strings.Contains(out, `+ Job: "web"`) {
		t.Fatalf("plan:\n%s", out)
	}
	mustRun(t, d, 0, "job", "run", "-var", "image_tag=v1", path)
	mustRun(t, d, 0, "job", "plan", "-var", "image_tag=v1", path)
	out = mustRun(t, d, 1, "job", "plan", "-var", "image_tag=v2", path)
	if !strings.Contains(out, `"v1" => "v2"`) {
		t.Fatalf("plan of a changed variable:\n%s", out)
	}
	out = mustRun(t, d, 0, "job", "status", "web")
	if !strings.Contains(out, "ID            = web") {
		t.Fatalf("status:\n%s", out)
	}
	code, _, errOut := d.run(t, "job", "run", "-detach", path)
	if code != 1 || !strings.Contains(errOut, "image_tag") {
		t.Fatalf("run without the variable: exit %d\n%s", code, errOut)
	}

	// job init's example runs on a fresh dev agent.
	dir := t.TempDir()
	t.Chdir(dir)
	mustRun(t, d, 0, "job", "init")
	mustRun(t, d, 0, "job", "validate", "example.nomad.hcl")
	mustRun(t, d, 0, "job", "run", "-detach", "example.nomad.hcl")
	mustRun(t, d, 0, "job", "status", "example")
}

func TestDevAgentStatusShowsLatestDeployment(t *testing.T) {
	d := startDevAgent(t)
	d.addNodes(t, 2)
	path := writeFile(t, "api.nomad.hcl", `
job "api" {
  group "web" {
    count = 2
    update {
      max_parallel = 1
    }
    task "server" {
      driver = "mock"
      config {
        run_for = "1h"
      }
    }
  }
}
`)
	mustRun(t, d, 0, "job", "run", path)
	out := mustRun(t, d, 0, "job", "status", "api")
	for _, want := range []string{"Latest Deployment", "Status"} {
		if !strings.Contains(out, want) {
			t.Fatalf("job status lacks %q:\n%s", want, out)
		}
	}
}
