package agent

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// warnedHCL asks for canaries, a Vault token and Consul, none of which
// nomadish provides; none of them stops the job from running.
const warnedHCL = `
job "warned" {
  datacenters = ["dc1"]
  update {
    max_parallel = 1
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

// TestJobWarningsAreNeverLost: one job file gets the same warnings from
// POST /v1/jobs/parse (in headers, the body being the job), POST
// /v1/validate/job, PUT /v1/job/:id/plan and PUT /v1/jobs, the entry
// points behind job validate, job plan and job run.
func TestJobWarningsAreNeverLost(t *testing.T) {
	la := newDevAgent(t)

	req, err := http.NewRequest("POST", la.base+"/v1/jobs/parse", strings.NewReader(mustJSON(t, map[string]interface{}{"JobHCL": warnedHCL})))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var job map[string]interface{}
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil || resp.StatusCode != 200 {
		t.Fatalf("parse: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	parsed := strings.Join(resp.Header.Values("X-Nomadish-Warning"), "\n")

	var val struct{ Warnings string }
	if err := json.Unmarshal([]byte(la.send(t, "POST", "/v1/validate/job", jobBody(t, job), 200)), &val); err != nil {
		t.Fatal(err)
	}
	var plan struct{ Warnings string }
	if err := json.Unmarshal([]byte(la.send(t, "PUT", "/v1/job/warned/plan", jobBody(t, job), 200)), &plan); err != nil {
		t.Fatal(err)
	}
	var reg struct{ Warnings string }
	if err := json.Unmarshal([]byte(la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 200)), &reg); err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{
		`* group "web" > consul: Consul is not available in nomadish`,
		`* group "web" > task "server" > vault: Vault is not available in nomadish`,
		`* group "web" > task "server" > consul: Consul is not available in nomadish`,
		"job run accepts the job",
	} {
		if !strings.Contains(val.Warnings, want) {
			t.Errorf("validate warnings lack %q:\n%s", want, val.Warnings)
		}
	}
	if strings.Count(val.Warnings, "\n") != 2 {
		t.Errorf("want 3 warnings (canaries are supported and warn of nothing), got:\n%s", val.Warnings)
	}
	if parsed != val.Warnings || reg.Warnings != val.Warnings || plan.Warnings != val.Warnings {
		t.Fatalf("warnings differ:\nparse    %q\nvalidate %q\nplan     %q\nregister %q", parsed, val.Warnings, plan.Warnings, reg.Warnings)
	}
}

// TestJobRunRefusalIsTheWarning: a template reading Vault secrets cannot
// render here. Validate answers 200 with the warning, saying run refuses
// the job; register answers 400 with the same text.
func TestJobRunRefusalIsTheWarning(t *testing.T) {
	la := newDevAgent(t)
	hcl := strings.Replace(warnedHCL, "      vault {", "      template {\n        destination = \"secrets/db.env\"\n        data = \"{{ with secret \\\"kv/db\\\" }}{{ .Data.pass }}{{ end }}\"\n      }\n      vault {", 1)
	body := la.send(t, "POST", "/v1/jobs/parse", mustJSON(t, map[string]interface{}{"JobHCL": hcl}), 200)
	var job map[string]interface{}
	if err := json.Unmarshal([]byte(body), &job); err != nil {
		t.Fatal(err)
	}
	want := `group "web" > task "server" > template[0]: Vault is not available in nomadish; the template calls secret, which cannot render here, so the task would never start`
	la.send(t, "POST", "/v1/validate/job", jobBody(t, job), 200, jsonText(t, want), "job run refuses the job", `"ValidationErrors":[]`)
	la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 400, want, "job run refuses the job")
	la.send(t, "GET", "/v1/job/warned", "", 404)
}

func mustJSON(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
