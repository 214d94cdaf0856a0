package agent

import (
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
