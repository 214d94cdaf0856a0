package api

import (
	"strings"
	"testing"
)

func TestJobsPlanEscapesIDAndDecodesDiff(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/job/{id}/plan", 7, `{
	  "Index": 7, "JobModifyIndex": 5,
	  "Diff": {"Type": "Edited", "ID": "batch/child",
	    "TaskGroups": [{"Type": "Edited", "Name": "g", "Updates": {"create/destroy update": 1},
	      "Fields": [{"Type": "Edited", "Name": "Count", "Old": "1", "New": "3", "Annotations": ["forces create"]}],
	      "Tasks": [{"Type": "None", "Name": "t"}]}]},
	  "Annotations": {"DesiredTGUpdates": {"g": {"Place": 2, "Ignore": 1}}},
	  "FailedTGAllocs": null, "CreatedEvals": [], "Warnings": "",
	  "NextPeriodicLaunch": "0001-01-01T00:00:00Z"}`)
	resp, wm, err := f.client(t).Jobs().Plan(&Job{ID: "batch/child"}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last.URL.EscapedPath(); got != "/v1/job/batch%2Fchild/plan" {
		t.Fatalf("path = %s", got)
	}
	if !strings.Contains(f.body, `"Diff":true`) || !strings.Contains(f.body, `"Job":{"ID":"batch/child"`) {
		t.Fatalf("body = %s", f.body)
	}
	if wm.LastIndex != 7 || resp.JobModifyIndex != 5 || resp.Diff.Type != DiffTypeEdited {
		t.Fatalf("resp = %+v", resp)
	}
	tg := resp.Diff.TaskGroups[0]
	if tg.Updates["create/destroy update"] != 1 || tg.Fields[0].New != "3" || tg.Fields[0].Annotations[0] != "forces create" {
		t.Fatalf("group diff = %+v", tg)
	}
	if u := resp.Annotations.DesiredTGUpdates["g"]; u.Place != 2 || u.Ignore != 1 {
		t.Fatalf("annotations = %+v", u)
	}
	if !resp.NextPeriodicLaunch.IsZero() {
		t.Fatalf("next launch = %v", resp.NextPeriodicLaunch)
	}
}

func TestJobsPlanNeedsJobID(t *testing.T) {
	f := newFakeAgent(t)
	if _, _, err := f.client(t).Jobs().Plan(&Job{}, true, nil); err == nil || !strings.Contains(err.Error(), "Job.ID") {
		t.Fatalf("err = %v", err)
	}
	if f.last != nil {
		t.Fatal("a job without ID reached the agent")
	}
}
