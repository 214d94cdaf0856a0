package agent

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

const parseTestHCL = `
variable "count" {
  type    = number
  default = 1
}

job "web" {
  datacenters = ["dc1"]
  group "cache" {
    count = var.count
    task "redis" {
      driver = "mock"
      config {
        run_for = "1h"
      }
    }
  }
}
`

func TestJobsParse(t *testing.T) {
	a := newTestAPI(t)
	r := a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"JobHCL": parseTestHCL, "Variables": "count = 3"})
	r.expect(t, 200, `"ID":"web"`, `"Count":3`, `"Driver":"mock"`)

	r = a.do(t, "PUT", "/v1/jobs/parse", map[string]interface{}{"JobHCL": parseTestHCL, "Canonicalize": true})
	r.expect(t, 200, `"Count":1`, `"Namespace":"default"`, `"Priority":50`, `"RestartPolicy":{`)

	bad := strings.Replace(parseTestHCL, "count = var.count", "cuont = var.count", 1)
	a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"JobHCL": bad}).expect(t, 400, "cuont", `Did you mean "count"?`)
	a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"JobHCL": "job \"x\" {\n  group \"g\" {\n"}).expect(t, 400, ":")
	a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"Canonicalize": true}).expect(t, 400, "JobHCL: required")
	a.do(t, "GET", "/v1/jobs/parse", nil).expect(t, 405)
}

// TestJobsParseHostileFiles: files that crashed the agent (a Go stack
// overflow at 100,000 levels of nesting) or burned seconds of CPU (a
// number literal of ten million digits' magnitude) are 400s naming the
// limit, and the agent answers afterwards.
func TestJobsParseHostileFiles(t *testing.T) {
	a := newTestAPI(t)
	meta := func(v string) string {
		return "job \"j\" {\n  meta {\n    x = " + v + "\n  }\n  group \"g\" {\n    task \"t\" {\n      driver = \"mock\"\n    }\n  }\n}\n"
	}
	for _, tc := range []struct{ hcl, want string }{
		{meta(strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000)), "Nesting too deep"},
		{meta(strings.Repeat(`"${`, 100000) + "1" + strings.Repeat(`}"`, 100000)), "Nesting too deep"},
		{strings.Repeat("a {\n", 100000) + strings.Repeat("}\n", 100000), "Nesting too deep"},
		{meta("1e10000000"), "Number out of range"},
		{meta("length([for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]])"), "100000 elements"},
	} {
		a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"JobHCL": tc.hcl}).expect(t, 400, tc.want)
	}
	a.do(t, "POST", "/v1/jobs/parse", map[string]interface{}{"JobHCL": parseTestHCL}).expect(t, 200, `"ID":"web"`)
}

// TestJobsParseStopsWithRequest: the parse runs under the request's
// context, so a caller that has gone stops the work.
func TestJobsParseStopsWithRequest(t *testing.T) {
	a := newTestAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := strings.NewReader(`{"JobHCL": "job \"web\" {\n group \"g\" {\n task \"t\" {\n driver = \"mock\"\n }\n }\n}\n"}`)
	r := httptest.NewRequest("POST", "/v1/jobs/parse", body).WithContext(ctx)
	r.Header.Set("Content-Type", "application/json")
	_, err := a.http.jobsParse(httptest.NewRecorder(), r)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want the parse stopped", err)
	}
}
