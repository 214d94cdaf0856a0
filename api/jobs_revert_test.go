package api

import (
	"strings"
	"testing"
)

func TestJobsRevert(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/revert", 20, `{"EvalID":"e2","EvalCreateIndex":20,"JobModifyIndex":20,"Index":20}`)
	prior := uint64(3)
	resp, wm, err := f.client(t).Jobs().Revert("a/b", 1, &prior, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last.URL.EscapedPath(); got != "/v1/job/a%2Fb/revert" {
		t.Fatalf("path = %s", got)
	}
	if f.body != `{"JobID":"a/b","JobVersion":1,"EnforcePriorVersion":3}` {
		t.Fatalf("body = %s", f.body)
	}
	if resp.EvalID != "e2" || wm.LastIndex != 20 {
		t.Fatalf("resp = %+v", resp)
	}

	if _, _, err := f.client(t).Jobs().Revert("web", 0, nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.body, `"EnforcePriorVersion":null`) {
		t.Fatalf("body = %s", f.body)
	}
}
