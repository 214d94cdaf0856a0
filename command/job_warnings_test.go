package command

import (
	"strings"
	"testing"
)

// warnedJobHCL asks for canaries without a deployment (max_parallel = 0),
// a Vault token and Consul, none of which nomadish provides.
const warnedJobHCL = `
job "warned" {
  datacenters = ["dc1"]
  update {
    max_parallel = 0
    canary       = 1
  }
  group "web" {
    consul {
      namespace = "team"
    }
    task "server" {
      driver = "mock"
      config {
        run_for = "1h"
      }
      vault {
        policies = ["app"]
      }
      consul {
        cluster = "default"
      }
    }
  }
}
`

// jobWarningsBlock is the "Job Warnings:" block of a command's output.
func jobWarningsBlock(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "Job Warnings:\n")
	if i < 0 {
		t.Fatalf("no Job Warnings in:\n%s", out)
	}
	block := out[i:]
	if end := strings.Index(block, "\n\n"); end >= 0 {
		block = block[:end]
	}
	return strings.TrimRight(block, "\n")
}

// TestJobWarningsSameFromValidatePlanAndRun: job validate (exit 0), job
// plan and job run print one Job Warnings block, the same for all three.
func TestJobWarningsSameFromValidatePlanAndRun(t *testing.T) {
	d := startDevAgent(t)
	path := writeFile(t, "warned.hcl", warnedJobHCL)

	code, out, errOut := d.run(t, "job", "validate", path)
	if code != 0 || !strings.Contains(out, "Job validation successful") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	validate := jobWarningsBlock(t, out+errOut)
	for _, want := range []string{"canary = 1", `task "server" > vault: Vault is not available`, `group "web" > consul: Consul is not available`, "job run accepts the job"} {
		if !strings.Contains(validate, want) {
			t.Errorf("validate warnings lack %q:\n%s", want, validate)
		}
	}
	_, out, errOut = d.run(t, "job", "plan", path)
	if plan := jobWarningsBlock(t, out+errOut); plan != validate {
		t.Errorf("plan warnings differ:\n%s\nvalidate:\n%s", plan, validate)
	}
	code, out, errOut = d.run(t, "job", "run", "-detach", path)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	if run := jobWarningsBlock(t, out+errOut); run != validate {
		t.Errorf("run warnings differ:\n%s\nvalidate:\n%s", run, validate)
	}
}

// TestJobRunRefusesWhatValidateWarnsOf: a template reading Vault secrets
// is a warning from validate, which still succeeds, and the reason job run
// refuses the job, in the same words.
func TestJobRunRefusesWhatValidateWarnsOf(t *testing.T) {
	d := startDevAgent(t)
	hcl := strings.Replace(warnedJobHCL, "      vault {", "      template {\n        destination = \"secrets/db.env\"\n        data = \"{{ with secret \\\"kv/db\\\" }}{{ .Data.pass }}{{ end }}\"\n      }\n      vault {", 1)
	path := writeFile(t, "vaulted.hcl", hcl)
	want := `group "web" > task "server" > template[0]: Vault is not available in nomadish; the template calls secret`

	code, out, errOut := d.run(t, "job", "validate", path)
	if code != 0 || !strings.Contains(out+errOut, want) || !strings.Contains(out+errOut, "job run refuses the job") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = d.run(t, "job", "run", "-detach", path)
	if code == 0 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "400") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
}
