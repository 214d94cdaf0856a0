package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestJobLimits_Configured: a server's own job limits bound register,
// plan, validate and scale.
func TestJobLimits_Configured(t *testing.T) {
	s := testServer(t, func(c *Config) { c.JobMaxGroupCount, c.JobMaxPlacements = 10, 15 })
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web"))

	count := int64(11)
	var resp structs.JobRegisterResponse
	err := s.RPC("Job.Scale", &structs.JobScaleRequest{JobID: "web", Target: map[string]string{"Group": "web"}, Count: &count}, &resp)
	if err == nil || !strings.Contains(err.Error(), "Count: must be at most 10 (the server's job_max_group_count), got 11") {
		t.Fatalf("scale past the bound: %v", err)
	}

	big := mockJob("big")
	big.TaskGroups[0].Count = 11
	want := `group "web" > count: must be at most 10`
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: big}, &resp); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("register: %v", err)
	}
	var plan structs.JobPlanResponse
	if err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: big}, &plan); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan: %v", err)
	}
	var val structs.JobValidateResponse
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{Job: big}, &val); err != nil || !strings.Contains(val.Error, want) {
		t.Fatalf("validate: %v %q", err, val.Error)
	}

	wide := mockJob("wide")
	other := mockJob("wide").TaskGroups[0]
	other.Name = "other"
	wide.TaskGroups = append(wide.TaskGroups, other)
	wide.TaskGroups[0].Count, wide.TaskGroups[1].Count = 8, 8
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: wide}, &resp); err == nil || !strings.Contains(err.Error(), "more than 15 allocations (the server's job_max_placements)") {
		t.Fatalf("placements: %v", err)
	}
}
