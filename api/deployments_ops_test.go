package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestDeploymentsAllocations(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/deployment/allocations/{id}", 12, `[{"ID":"a1","JobID":"web","TaskGroup":"g","ClientStatus":"running"}]`)
	c := f.client(t)

	allocs, qm, err := c.Deployments().Allocations("d/1", nil)
	if err != nil || len(allocs) != 1 || allocs[0].ID != "a1" || allocs[0].ClientStatus != "running" || qm.LastIndex != 12 {
		t.Fatalf("allocations = %+v %+v, %v", allocs, qm, err)
	}
	if got := f.last.URL.EscapedPath(); got != "/v1/deployment/allocations/d%2F1" {
		t.Fatalf("path = %s", got)
	}

	f.mux.HandleFunc("GET /v1/deployment/allocations/missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "deployment not found", http.StatusNotFound)
	})
	if _, _, err := c.Deployments().Allocations("missing", nil); !IsNotFound(err) {
		t.Fatalf("unknown deployment: err = %v, want a 404", err)
	}
}

func TestDeploymentsFail(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/deployment/fail/{id}", 30,
		`{"EvalID":"e1","EvalCreateIndex":30,"DeploymentModifyIndex":30,"RevertedJobVersion":2,"Index":30}`)
	resp, wm, err := f.client(t).Deployments().Fail("d1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.last.Method != http.MethodPut || f.last.URL.Path != "/v1/deployment/fail/d1" || f.body != "" {
		t.Fatalf("request = %s %s body %q", f.last.Method, f.last.URL.Path, f.body)
	}
	if resp.EvalID != "e1" || resp.EvalCreateIndex != 30 || resp.DeploymentModifyIndex != 30 ||
		resp.RevertedJobVersion == nil || *resp.RevertedJobVersion != 2 || wm.LastIndex != 30 {
		t.Fatalf("resp = %+v wm = %+v", resp, wm)
	}
}

func TestDeploymentsFailWithoutRevert(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/deployment/fail/{id}", 31, `{"EvalID":"e2","EvalCreateIndex":31,"DeploymentModifyIndex":31,"RevertedJobVersion":null,"Index":31}`)
	resp, _, err := f.client(t).Deployments().Fail("d1", nil)
	if err != nil || resp.RevertedJobVersion != nil || resp.EvalID != "e2" {
		t.Fatalf("resp = %+v, %v", resp, err)
	}
}

func TestDeploymentsPauseAndResume(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/deployment/pause/{id}", 40, `{"EvalID":"","DeploymentModifyIndex":40,"Index":40}`)
	c := f.client(t)

	resp, wm, err := c.Deployments().Pause("d1", true, nil)
	if err != nil || resp.DeploymentModifyIndex != 40 || resp.EvalID != "" || wm.LastIndex != 40 {
		t.Fatalf("pause: %+v %+v %v", resp, wm, err)
	}
	if f.body != `{"DeploymentID":"d1","Pause":true}` {
		t.Fatalf("pause body = %s", f.body)
	}
	if _, _, err := c.Deployments().Pause("d1", false, nil); err != nil {
		t.Fatal(err)
	}
	if f.body != `{"DeploymentID":"d1","Pause":false}` {
		t.Fatalf("resume body = %s", f.body)
	}
}

func TestDeploymentsUpdateRefused(t *testing.T) {
	f := newFakeAgent(t)
	const msg = "1 validation error:\n  * DeploymentID: deployment \"d1\" is successful; only a running, paused or blocked deployment can change"
	f.mux.HandleFunc("PUT /v1/deployment/fail/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, msg, http.StatusBadRequest)
	})
	_, _, err := f.client(t).Deployments().Fail("d1", nil)
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) || ue.StatusCode != http.StatusBadRequest || !strings.Contains(ue.Body, "is successful") {
		t.Fatalf("err = %v", err)
	}
}
