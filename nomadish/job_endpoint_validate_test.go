package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestJobValidate_ListsProblemsWithoutFailing(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	var resp structs.JobValidateResponse
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{Job: mockJob("web")}, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.ValidationErrors) != 0 || resp.Error != "" {
		t.Fatalf("valid job: %+v", resp)
	}
	bad := mockJob("web")
	bad.Type = "nope"
	bad.TaskGroups[0].Count = -1
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{Job: bad}, &resp); err != nil {
		t.Fatalf("invalid job is an RPC error: %v", err)
	}
	if len(resp.ValidationErrors) != 2 || !strings.Contains(resp.Error, `group "web" > count: must be 0 or more`) {
		t.Fatalf("invalid job: %+v", resp)
	}
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{}, &resp); err != nil || len(resp.ValidationErrors) != 1 {
		t.Fatalf("nil job: %v %+v", err, resp)
	}
	if j, _ := s.State().JobByID(nil, "default", "web"); j != nil {
		t.Fatalf("validate registered %s", j.ID)
	}
}
