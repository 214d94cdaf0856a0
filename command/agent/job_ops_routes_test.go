package agent

import (
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// newDevAPI serves the HTTP API of a real in-process dev agent, for the
// endpoints whose behaviour lives in the server.
func newDevAPI(t *testing.T) *testAPI {
	t.Helper()
	logs := &syncBuffer{}
	a, err := NewAgent(devTestConfig(t), hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.http)
	t.Cleanup(func() {
		srv.Close()
		a.Shutdown()
		if t.Failed() {
			t.Logf("agent logs:\n%s", logs.String())
		}
	})
	api := &testAPI{srv: srv, http: a.http}
	waitFor(t, 10*time.Second, "a leader", func() bool {
		return api.do(t, "GET", "/v1/agent/health", nil).code == 200
	})
	return api
}

func batchJob(id string) map[string]interface{} {
	j := testJob(id)
	j["Type"] = "batch"
	return j
}

func TestJobOps_CountDefaultsToOneWhenAbsent(t *testing.T) {
	a := newDevAPI(t)
	job := testJob("web")
	delete(job["TaskGroups"].([]map[string]interface{})[0], "Count")
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)
	var got structs.Job
	a.do(t, "GET", "/v1/job/web", nil).decode(t, &got)
	if got.TaskGroups[0].Count != 1 {
		t.Fatalf("count = %d, want 1", got.TaskGroups[0].Count)
	}
	// An explicit 0 stays 0, and null counts as absent.
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"ID": "zero", "Datacenters": ["dc1"], "TaskGroups": [
		{"Name": "a", "Count": 0, "Tasks": [{"Name": "t", "Driver": "mock"}]},
		{"Name": "b", "Count": null, "Tasks": [{"Name": "t", "Driver": "mock"}]}]}}`).expect(t, 200)
	a.do(t, "GET", "/v1/job/zero", nil).decode(t, &got)
	if got.TaskGroups[0].Count != 0 || got.TaskGroups[1].Count != 1 {
		t.Fatalf("counts = %d, %d", got.TaskGroups[0].Count, got.TaskGroups[1].Count)
	}
}

func TestJobOps_PlanAndVersionDiffs(t *testing.T) {
	a := newDevAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	var reg jobRegisterResponse
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).decode(t, &reg)

	job := testJob("web")
	job["TaskGroups"].([]map[string]interface{})[0]["Count"] = 3
	r := a.do(t, "POST", "/v1/job/web/plan", map[string]interface{}{"Job": job, "Diff": true})
	// The dev agent has no client nodes: the scheduler's dry run cannot
	// place anything and says it would block an evaluation for capacity.
	r.expect(t, 200, `"Index":`, `"CreatedEvals":[{`, `"Status":"blocked"`, `"FailedTGAllocs":{"web":`, `"Warnings":""`, `"NextPeriodicLaunch":"0001-01-01T00:00:00Z"`)
	var plan jobPlanResponse
	r.decode(t, &plan)
	if plan.JobModifyIndex != reg.JobModifyIndex || plan.Diff == nil || plan.Diff.Type != "Edited" {
		t.Fatalf("plan = %s", r.body)
	}
	if du := plan.Annotations.DesiredTGUpdates["web"]; du.Place != 3 || du.Ignore != 0 {
		t.Fatalf("desired updates = %+v", du)
	}
	if g := plan.Diff.TaskGroups[0]; g.Fields[0].Name != "Count" || g.Updates["create"] != 3 || g.Updates["ignore"] != 0 {
		t.Fatalf("group diff = %+v", g)
	}
	a.do(t, "PUT", "/v1/job/web/plan", map[string]interface{}{"Job": testJob("api")}).
		expect(t, 400, `Job.ID: "api" does not match the job ID "web" in the path`)
	bad := testJob("web")
	bad["TaskGroups"].([]map[string]interface{})[0]["Count"] = -2
	a.do(t, "PUT", "/v1/job/web/plan", map[string]interface{}{"Job": bad}).expect(t, 400, `group "web" > count`)
	a.do(t, "GET", "/v1/job/web/plan", nil).expect(t, 405, "allowed: POST, PUT")

	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)
	var versions structs.JobVersionsResponse
	a.do(t, "GET", "/v1/job/web/versions?diffs=true", nil).decode(t, &versions)
	if len(versions.Versions) != 2 || len(versions.Diffs) != 1 || versions.Diffs[0].TaskGroups[0].Fields[0].New != "3" {
		t.Fatalf("versions = %+v", versions)
	}
}

func TestJobOps_Revert(t *testing.T) {
	a := newDevAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	job := testJob("web")
	job["TaskGroups"].([]map[string]interface{})[0]["Count"] = 4
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)

	a.do(t, "PUT", "/v1/job/web/revert", map[string]interface{}{"JobID": "web"}).expect(t, 400, "JobVersion: required")
	a.do(t, "PUT", "/v1/job/web/revert", map[string]interface{}{"JobVersion": 1}).expect(t, 400, "already at version 1")
	a.do(t, "PUT", "/v1/job/web/revert", map[string]interface{}{"JobVersion": 9}).expect(t, 404, "stored versions: 1, 0")
	a.do(t, "PUT", "/v1/job/web/revert", map[string]interface{}{"JobVersion": 0, "EnforcePriorVersion": 0}).expect(t, 409, "is at version 1")
	a.do(t, "PUT", "/v1/job/web/revert", map[string]interface{}{"JobID": "api", "JobVersion": 0}).expect(t, 400, "does not match")
	a.do(t, "PUT", "/v1/job/nope/revert", map[string]interface{}{"JobVersion": 0}).expect(t, 404)
	r := a.do(t, "POST", "/v1/job/web/revert", map[string]interface{}{"JobID": "web", "JobVersion": 0, "EnforcePriorVersion": 1})
	r.expect(t, 200, `"EvalID":"`, `"EvalCreateIndex":`, `"JobModifyIndex":`, `"Index":`, `"Warnings":""`)
	var got structs.Job
	a.do(t, "GET", "/v1/job/web", nil).decode(t, &got)
	if got.Version != 2 || got.TaskGroups[0].Count != 1 {
		t.Fatalf("after revert: version %d count %d", got.Version, got.TaskGroups[0].Count)
	}
}

func TestJobOps_ScaleAndStatus(t *testing.T) {
	a := newDevAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	a.do(t, "POST", "/v1/job/web/scale", map[string]interface{}{"Count": 3, "Target": map[string]string{"Group": "web"}, "Message": "more"}).
		expect(t, 200, `"EvalID":"`, `"JobModifyIndex":`)
	a.do(t, "POST", "/v1/job/web/scale", map[string]interface{}{"Count": 3, "Target": map[string]string{"Group": "db"}}).
		expect(t, 400, `job "web" has no task group "db"; its groups: "web"`)
	a.do(t, "POST", "/v1/job/web/scale", map[string]interface{}{"Count": 3, "Target": map[string]string{"Group": "web", "Job": "api"}}).
		expect(t, 400, "Target.Job")
	a.do(t, "POST", "/v1/job/nope/scale", map[string]interface{}{"Count": 3, "Target": map[string]string{"Group": "web"}}).expect(t, 404)

	r := a.do(t, "GET", "/v1/job/web/scale", nil)
	r.expect(t, 200, `"JobID":"web"`, `"Namespace":"default"`, `"JobCreateIndex":`, `"JobStopped":false`,
		`"TaskGroups":{"web":{"Desired":3,"Placed":0,"Running":0,"Healthy":0,"Unhealthy":0,"Events":[]}}`)
	if r.header.Get("X-Nomad-Index") == "" {
		t.Fatal("no X-Nomad-Index on scale status")
	}
	a.do(t, "GET", "/v1/job/nope/scale", nil).expect(t, 404)
}

func TestJobOps_DispatchAndChildIDsInPaths(t *testing.T) {
	a := newDevAPI(t)
	job := batchJob("render")
	job["ParameterizedJob"] = map[string]interface{}{"Payload": "optional", "MetaRequired": []string{"input"}}
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)

	r := a.do(t, "POST", "/v1/job/render/dispatch", map[string]interface{}{
		"Payload": base64.StdEncoding.EncodeToString([]byte("hi")), "Meta": map[string]string{"input": "x"}})
	r.expect(t, 200, `"DispatchedJobID":"render/dispatch-`, `"EvalID":"`, `"EvalCreateIndex":`, `"JobCreateIndex":`, `"Index":`)
	var resp jobDispatchResponse
	r.decode(t, &resp)

	// The child's ID holds a "/": escaped, it routes through {id}; sent
	// unescaped, the catch-all finds it too.
	escaped := url.PathEscape(resp.DispatchedJobID)
	if !strings.Contains(escaped, "%2F") {
		t.Fatalf("escaped = %q", escaped)
	}
	var child structs.Job
	a.do(t, "GET", "/v1/job/"+escaped, nil).decode(t, &child)
	if child.ID != resp.DispatchedJobID || !child.Dispatched || string(child.Payload) != "hi" {
		t.Fatalf("child = %+v", child)
	}
	a.do(t, "GET", "/v1/job/"+escaped+"/evaluations", nil).expect(t, 200, resp.EvalID)
	a.do(t, "GET", "/v1/job/"+resp.DispatchedJobID, nil).expect(t, 200, `"Dispatched":true`)
	a.do(t, "GET", "/v1/job/"+resp.DispatchedJobID+"/summary", nil).expect(t, 200, `"JobID":"`+resp.DispatchedJobID+`"`)
	a.do(t, "PATCH", "/v1/job/"+resp.DispatchedJobID+"/summary", nil).expect(t, 405, "allowed: GET")
	a.do(t, "GET", "/v1/job/render/nope-child", nil).expect(t, 404)

	a.do(t, "POST", "/v1/job/render/dispatch", map[string]interface{}{"Meta": map[string]string{"colour": "red"}}).
		expect(t, 400, `Meta[colour]: not accepted by job "render"; accepted keys: "input"`, `Meta[input]: required`)
	a.do(t, "POST", "/v1/job/render/dispatch", `{"Payload": "not base64!"}`).expect(t, 400, "Payload")
	a.do(t, "POST", "/v1/job/web/dispatch", nil).expect(t, 404)
}

func TestJobOps_PeriodicForceAndEvaluate(t *testing.T) {
	a := newDevAPI(t)
	job := batchJob("report")
	job["Periodic"] = map[string]interface{}{"Enabled": true, "Spec": "0 0 1 1 *"}
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)

	r := a.do(t, "POST", "/v1/job/report/periodic/force", nil)
	r.expect(t, 200, `"EvalID":"`, `"EvalCreateIndex":`, `"Index":`)
	var list []structs.JobListStub
	a.do(t, "GET", "/v1/jobs?prefix="+url.QueryEscape("report/periodic-"), nil).decode(t, &list)
	if len(list) != 1 || list[0].ParentID != "report" {
		t.Fatalf("children = %+v", list)
	}
	a.do(t, "GET", "/v1/job/"+url.PathEscape(list[0].ID)+"/allocations", nil).expect(t, 200, "[]")
	a.do(t, "POST", "/v1/job/web/periodic/force", nil).expect(t, 400, `job "web" is not periodic`)

	a.do(t, "POST", "/v1/job/web/evaluate", nil).expect(t, 200, `"EvalID":"`, `"JobModifyIndex":`)
	a.do(t, "POST", "/v1/job/web/evaluate", map[string]interface{}{"JobID": "web", "EvalOptions": map[string]bool{"ForceReschedule": true}}).expect(t, 200)
	a.do(t, "POST", "/v1/job/web/evaluate", map[string]interface{}{"JobID": "api"}).expect(t, 400, "does not match")
	a.do(t, "POST", "/v1/job/report/evaluate", nil).expect(t, 400, "is periodic")
	a.do(t, "POST", "/v1/job/nope/evaluate", nil).expect(t, 404)
}

func TestJobOps_Validate(t *testing.T) {
	a := newDevAPI(t)
	a.do(t, "POST", "/v1/validate/job", map[string]interface{}{"Job": testJob("web")}).
		expect(t, 200, `{"DriverConfigValidated":false,"ValidationErrors":[],"Error":"","Warnings":""}`)
	bad := testJob("web")
	bad["Type"] = "nope"
	bad["TaskGroups"].([]map[string]interface{})[0]["Count"] = -1
	r := a.do(t, "PUT", "/v1/validate/job", map[string]interface{}{"Job": bad})
	r.expect(t, 200, `"group \"web\" > count: must be 0 or more, got -1"`, `type: unknown type \"nope\"`)
	var out structs.JobValidateResponse
	r.decode(t, &out)
	if len(out.ValidationErrors) != 2 || !strings.Contains(out.Error, "\n") {
		t.Fatalf("validate = %+v", out)
	}
	// A group without Count is count 1, not a problem.
	nocount := testJob("web")
	delete(nocount["TaskGroups"].([]map[string]interface{})[0], "Count")
	a.do(t, "PUT", "/v1/validate/job", map[string]interface{}{"Job": nocount}).expect(t, 200, `"ValidationErrors":[]`)
	a.do(t, "PUT", "/v1/validate/job", `{"Job": {"ID": 5}}`).expect(t, 400, "ID: expected string")
	a.do(t, "PUT", "/v1/validate/job", `{}`).expect(t, 400, "Job: missing")
}
