package api

import (
	"encoding/json"
	"testing"
)

func TestJobsDispatchSendsBase64Payload(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/dispatch", 40, `{"DispatchedJobID":"batch/dispatch-1700000000-1a2b3c4d","EvalID":"e4","EvalCreateIndex":40,"JobCreateIndex":40,"Index":40}`)
	resp, wm, err := f.client(t).Jobs().Dispatch("batch", map[string]string{"k": "v"}, []byte("hello"), "nightly", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.body != `{"JobID":"batch","Payload":"aGVsbG8=","Meta":{"k":"v"},"IdPrefixTemplate":"nightly"}` {
		t.Fatalf("body = %s", f.body)
	}
	if resp.DispatchedJobID != "batch/dispatch-1700000000-1a2b3c4d" || resp.EvalID != "e4" || wm.LastIndex != 40 {
		t.Fatalf("resp = %+v", resp)
	}
}

func TestJobsPeriodicForce(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/periodic/force", 41, `{"EvalID":"e5","EvalCreateIndex":41,"Index":41}`)
	id, _, err := f.client(t).Jobs().PeriodicForce("cron/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last.URL.EscapedPath(); got != "/v1/job/cron%2Fx/periodic/force" || id != "e5" {
		t.Fatalf("path = %s, eval = %q", got, id)
	}
}

func TestJobsEvaluateWithOpts(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/evaluate", 42, `{"EvalID":"e6","EvalCreateIndex":42,"JobModifyIndex":3,"Index":42}`)
	id, _, err := f.client(t).Jobs().EvaluateWithOpts("web", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	var body JobEvaluateRequest
	if err := json.Unmarshal([]byte(f.body), &body); err != nil {
		t.Fatal(err)
	}
	if id != "e6" || body.JobID != "web" || !body.EvalOptions.ForceReschedule {
		t.Fatalf("eval %q, body %s", id, f.body)
	}
	if _, _, err := f.client(t).Jobs().ForceEvaluate("web", nil); err != nil {
		t.Fatal(err)
	}
	if f.body != `{"JobID":"web","EvalOptions":{"ForceReschedule":false}}` {
		t.Fatalf("body = %s", f.body)
	}
}
