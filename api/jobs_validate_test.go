package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestJobsValidate(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/validate/job", 1, `{"DriverConfigValidated":false,"ValidationErrors":["TaskGroups[0].Count: must not be negative"],"Error":"TaskGroups[0].Count: must not be negative","Warnings":""}`)
	resp, _, err := f.client(t).Jobs().Validate(&Job{ID: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.body, `{"Job":{"ID":"web"`) {
		t.Fatalf("body = %s", f.body)
	}
	if len(resp.ValidationErrors) != 1 || !strings.Contains(resp.Error, "Count") {
		t.Fatalf("resp = %+v", resp)
	}
}

func TestJobsParseHCL(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("POST /v1/jobs/parse", 0, `{"ID":"web","Name":"web","Type":"service"}`)
	job, err := f.client(t).Jobs().ParseHCL(`job "web" {}`, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.body != `{"JobHCL":"job \"web\" {}","Canonicalize":true}` {
		t.Fatalf("body = %s", f.body)
	}
	if job.ID != "web" || job.Type != "service" {
		t.Fatalf("job = %+v", job)
	}
	if _, err := f.client(t).Jobs().ParseHCLOpts(&JobsParseRequest{JobHCL: "x", Variables: "a = 1"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.body, `"Variables":"a = 1"`) {
		t.Fatalf("body = %s", f.body)
	}
}

func TestJobsParseHCLErrorKeepsDiagnostics(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("POST /v1/jobs/parse", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "web.hcl:3:5: Unsupported argument", http.StatusBadRequest)
	})
	_, err := f.client(t).Jobs().ParseHCL(`job "web" { cuont = 1 }`, false)
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) || ue.StatusCode != 400 || !strings.Contains(ue.Body, "web.hcl:3:5") {
		t.Fatalf("err = %v", err)
	}
}

func TestJobsLatestDeployment(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/job/{id}/deployment", 9, `null`)
	d, _, err := f.client(t).Jobs().LatestDeployment("web", nil)
	if err != nil || d != nil {
		t.Fatalf("deployment = %+v, err = %v", d, err)
	}
}
