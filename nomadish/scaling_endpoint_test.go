package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func scaledJob(id string) *structs.Job {
	j := mockJob(id)
	min := int64(1)
	j.TaskGroups[0].Scaling = &structs.ScalingPolicy{Min: &min, Max: 10, Enabled: true, Policy: map[string]interface{}{"cooldown": "1m"}}
	return j
}

func TestJobScaleEnforcesScalingBounds(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, scaledJob("web"))
	scale := func(count int64) error {
		var resp structs.JobRegisterResponse
		return s.RPC("Job.Scale", &structs.JobScaleRequest{JobID: "web", Target: map[string]string{"Group": "web"}, Count: &count}, &resp)
	}
	if err := scale(12); !structs.IsValidationError(err) || !strings.Contains(err.Error(), `group "web": count 12 is above scaling.max 10`) {
		t.Fatalf("scale to 12: %v", err)
	}
	if err := scale(0); !structs.IsValidationError(err) || !strings.Contains(err.Error(), `group "web": count 0 is below scaling.min 1`) {
		t.Fatalf("scale to 0: %v", err)
	}
	if err := scale(10); err != nil {
		t.Fatalf("scale to the max: %v", err)
	}

	// Registration is held to the group's own bounds too.
	over := scaledJob("over")
	over.TaskGroups[0].Count = 11
	var resp structs.JobRegisterResponse
	err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: over}, &resp)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), "count 11 is above scaling.max 10") {
		t.Fatalf("register with count above max: %v", err)
	}
}

func TestScalingPoliciesListedWithStableIDs(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, scaledJob("web"))
	registerJob(t, s, mockJob("plain"))

	list := func(job string) []*structs.ScalingPolicyListStub {
		var out structs.ScalingPolicyListResponse
		if err := s.RPC("Scaling.ListPolicies", &structs.ScalingPolicyListRequest{Job: job}, &out); err != nil {
			t.Fatal(err)
		}
		return out.Policies
	}
	got := list("")
	if len(got) != 1 || got[0].Target["Job"] != "web" || got[0].Target["Group"] != "web" || got[0].Type != "horizontal" || !got[0].Enabled {
		t.Fatalf("policies %+v", got)
	}
	id := got[0].ID

	// A new version of the job keeps the policy's ID.
	again := scaledJob("web")
	again.TaskGroups[0].Scaling.Max = 20
	registerJob(t, s, again)
	if got := list("web"); len(got) != 1 || got[0].ID != id {
		t.Fatalf("after a new version: %+v, want ID %s", got, id)
	}
	if got := list("plain"); len(got) != 0 {
		t.Fatalf("job without scaling lists %+v", got)
	}

	var one structs.SingleScalingPolicyResponse
	if err := s.RPC("Scaling.GetPolicy", &structs.ScalingPolicySpecificRequest{ID: id}, &one); err != nil {
		t.Fatal(err)
	}
	if p := one.Policy; p == nil || p.Max != 20 || p.Policy["cooldown"] != "1m" || *p.Min != 1 {
		t.Fatalf("policy %+v", one.Policy)
	}
	if err := s.RPC("Scaling.GetPolicy", &structs.ScalingPolicySpecificRequest{ID: "nope"}, &one); err != nil || one.Policy != nil {
		t.Fatalf("unknown policy: %+v, %v", one.Policy, err)
	}
}
