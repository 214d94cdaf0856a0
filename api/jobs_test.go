package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestJobsRegisterSendsWrappedJob(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/jobs", 12, `{"EvalID":"e1","EvalCreateIndex":12,"JobModifyIndex":11,"Warnings":"w","Index":12}`)
	c := f.client(t)

	job := &Job{ID: "web", Name: "web", Type: JobTypeService, Datacenters: []string{"dc1"},
		TaskGroups: []*TaskGroup{{Name: "g", Count: 2, ShutdownDelay: 3 * time.Second,
			Tasks: []*Task{{Name: "t", Driver: "mock", KillTimeout: 5 * time.Second, Config: map[string]interface{}{"run_for": "10s"}}}}}}
	resp, wm, err := c.Jobs().Register(job, &WriteOptions{Region: "eu"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.EvalID != "e1" || resp.EvalCreateIndex != 12 || resp.JobModifyIndex != 11 || resp.Warnings != "w" || wm.LastIndex != 12 {
		t.Fatalf("response = %+v, meta = %+v", resp, wm)
	}
	if f.last.Method != "PUT" || f.last.URL.Query().Get("region") != "eu" {
		t.Fatalf("request %s %s", f.last.Method, f.last.URL)
	}

	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(f.body), &body); err != nil {
		t.Fatal(err)
	}
	var sent Job
	if err := json.Unmarshal(body["Job"], &sent); err != nil {
		t.Fatalf("body %s has no Job: %v", f.body, err)
	}
	if sent.ID != "web" || sent.TaskGroups[0].Tasks[0].KillTimeout != 5*time.Second {
		t.Fatalf("sent job = %+v", sent)
	}
	if !strings.Contains(f.body, `"KillTimeout":5000000000`) || !strings.Contains(f.body, `"ShutdownDelay":3000000000`) {
		t.Fatalf("durations are not integer nanoseconds: %s", f.body)
	}
	if !strings.Contains(f.body, `"EnforceIndex":false`) {
		t.Fatalf("body %s lacks EnforceIndex", f.body)
	}
}

func TestJobsEnforceRegister(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/jobs", 1, `{"EvalID":"e"}`)
	if _, _, err := f.client(t).Jobs().EnforceRegister(&Job{ID: "web"}, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.body, `"EnforceIndex":true`) || !strings.Contains(f.body, `"JobModifyIndex":0`) {
		t.Fatalf("body = %s", f.body)
	}
}

func TestJobsListAndInfo(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/jobs", 5, `[{"ID":"web","Name":"web","Type":"service","Priority":50,"Status":"running",
		"JobSummary":{"JobID":"web","Summary":{"g":{"Running":2}}},"SubmitTime":1700000000000000000}]`)
	f.handleJSON("GET /v1/job/{id}", 5, `{"ID":"web","Name":"web","Type":"service","Periodic":{"Enabled":true,"Spec":"* * * * *"},
		"TaskGroups":[{"Name":"g","Count":2,"RestartPolicy":{"Interval":1800000000000,"Attempts":2,"Delay":15000000000,"Mode":"fail"}}]}`)
	c := f.client(t)

	list, qm, err := c.Jobs().List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].JobSummary.Summary["g"].Running != 2 || list[0].SubmitTime != 1700000000000000000 || qm.LastIndex != 5 {
		t.Fatalf("list = %+v", list[0])
	}

	job, _, err := c.Jobs().Info("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Path != "/v1/job/web" {
		t.Fatalf("path = %s", f.last.URL.Path)
	}
	if !job.IsPeriodic() || job.IsParameterized() || job.TaskGroups[0].RestartPolicy.Interval != 30*time.Minute {
		t.Fatalf("job = %+v", job)
	}
}

func TestJobsInfoEscapesID(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/job/{id}", 1, `{"ID":"a/b"}`)
	if _, _, err := f.client(t).Jobs().Info("a/b", nil); err != nil {
		t.Fatal(err)
	}
	if f.last.URL.EscapedPath() != "/v1/job/a%2Fb" {
		t.Fatalf("path = %s", f.last.URL.EscapedPath())
	}
}

func TestJobsDeregister(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("DELETE /v1/job/{id}", 9, `{"EvalID":"e2","EvalCreateIndex":9,"JobModifyIndex":8}`)
	c := f.client(t)

	resp, _, err := c.Jobs().Deregister("web", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.EvalID != "e2" || f.last.URL.Query().Get("purge") != "true" {
		t.Fatalf("resp %+v, url %s", resp, f.last.URL)
	}
	if _, _, err := c.Jobs().Deregister("web", false, nil); err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Has("purge") {
		t.Fatalf("purge sent without asking: %s", f.last.URL)
	}
}

func TestJobsVersions(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/job/{id}/versions", 3, `{"Versions":[{"ID":"web","Version":1},{"ID":"web","Version":0}],
		"Diffs":[{"Type":"Edited","ID":"web","TaskGroups":[{"Type":"Edited","Name":"g","Fields":[{"Type":"Edited","Name":"Count","Old":"1","New":"2"}]}]}]}`)
	resp, _, err := f.client(t).Jobs().Versions("web", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Get("diffs") != "true" {
		t.Fatalf("diffs not asked: %s", f.last.URL)
	}
	if len(resp.Versions) != 2 || resp.Diffs[0].TaskGroups[0].Fields[0].New != "2" {
		t.Fatalf("versions = %+v", resp)
	}
}

func TestJobsAllocationsEvaluationsSummary(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/job/{id}/allocations", 1, `[{"ID":"a1","JobID":"web","TaskGroup":"g","ClientStatus":"running",
		"TaskStates":{"t":{"State":"running","Restarts":1,"StartedAt":"2024-01-02T03:04:05Z","Events":[{"Type":"Started","Time":1}]}}}]`)
	f.handleJSON("GET /v1/job/{id}/evaluations", 1, `[{"ID":"e1","JobID":"web","Status":"complete"}]`)
	f.handleJSON("GET /v1/job/{id}/summary", 1, `{"JobID":"web","Summary":{"g":{"Queued":1,"Running":2,"Lost":3,"Unknown":4}}}`)
	c := f.client(t)

	allocs, _, err := c.Jobs().Allocations("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := allocs[0].TaskStates["t"]
	if ts.State != "running" || ts.Restarts != 1 || ts.StartedAt.Year() != 2024 || ts.Events[0].Type != "Started" {
		t.Fatalf("task state = %+v", ts)
	}
	evals, _, err := c.Jobs().Evaluations("web", nil)
	if err != nil || evals[0].ID != "e1" {
		t.Fatalf("evals = %v, %v", evals, err)
	}
	sum, _, err := c.Jobs().Summary("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := sum.Summary["g"]; g.Queued != 1 || g.Running != 2 || g.Lost != 3 || g.Unknown != 4 {
		t.Fatalf("summary = %+v", sum)
	}
}
