package api

import "testing"

func TestJobsScale(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/scale", 30, `{"EvalID":"e3","EvalCreateIndex":30,"JobModifyIndex":30}`)
	n := 3
	resp, _, err := f.client(t).Jobs().Scale("p/q", "web", &n, "more", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last.URL.EscapedPath(); got != "/v1/job/p%2Fq/scale" {
		t.Fatalf("path = %s", got)
	}
	want := `{"Count":3,"Target":{"Group":"web","Job":"p/q"},"Message":"more","Error":false,"Meta":null,"PolicyOverride":false}`
	if f.body != want {
		t.Fatalf("body = %s\nwant %s", f.body, want)
	}
	if resp.EvalID != "e3" {
		t.Fatalf("resp = %+v", resp)
	}
}

func TestJobsScaleStatus(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/job/{id}/scale", 31, `{"JobID":"web","Namespace":"default","JobCreateIndex":1,"JobModifyIndex":2,"JobStopped":false,
	  "TaskGroups":{"g":{"Desired":3,"Placed":1,"Running":1,"Healthy":0,"Unhealthy":0,"Events":[{"Count":3,"PreviousCount":1,"Message":"more","Time":1700000000000000000}]}}}`)
	resp, qm, err := f.client(t).Jobs().ScaleStatus("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := resp.TaskGroups["g"]
	if qm.LastIndex != 31 || g.Desired != 3 || *g.Events[0].Count != 3 || g.Events[0].PreviousCount != 1 {
		t.Fatalf("resp = %+v", resp)
	}
}
