package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestJobScale(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web"))
	scale := func(group string, count *int64) (*structs.JobRegisterResponse, error) {
		var resp structs.JobRegisterResponse
		err := s.RPC("Job.Scale", &structs.JobScaleRequest{JobID: "web", Target: map[string]string{"Group": group}, Count: count}, &resp)
		return &resp, err
	}
	n := func(v int64) *int64 { return &v }

	resp, err := scale("web", n(4))
	if err != nil {
		t.Fatal(err)
	}
	job, _ := s.State().JobByID(nil, "default", "web")
	if job.TaskGroups[0].Count != 4 || job.Version != 1 || resp.JobModifyIndex != job.JobModifyIndex {
		t.Fatalf("scaled job: count %d version %d", job.TaskGroups[0].Count, job.Version)
	}
	eval, _ := s.State().EvalByID(nil, resp.EvalID)
	if eval == nil || eval.TriggeredBy != structs.EvalTriggerScaling {
		t.Fatalf("scale eval = %+v", eval)
	}

	for _, tc := range []struct {
		group string
		count *int64
		want  string
	}{
		{"", n(1), "Target.Group: required"},
		{"db", n(1), `job "web" has no task group "db"; its groups: "web"`},
		{"web", n(-1), "Count: must be 0 or more"},
		{"web", nil, "Count: required"},
	} {
		if _, err := scale(tc.group, tc.count); !structs.IsValidationError(err) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("scale %q %v: err = %v, want %q", tc.group, tc.count, err, tc.want)
		}
	}

	sys := mockJob("agent")
	sys.Type = structs.JobTypeSystem
	sys.TaskGroups[0].Count = 1
	registerJob(t, s, sys)
	var out structs.JobRegisterResponse
	err = s.RPC("Job.Scale", &structs.JobScaleRequest{JobID: "agent", Target: map[string]string{"Group": "web"}, Count: n(3)}, &out)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), `group "web" > count`) {
		t.Fatalf("system job scaled to 3: %v", err)
	}
}

func TestJobScaleStatus(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web"))
	healthy := true
	allocs := []*structs.Allocation{
		{ID: "a1", EvalID: "e1", Namespace: "default", JobID: "web", TaskGroup: "web", NodeID: "n1", DesiredStatus: structs.AllocDesiredStatusRun,
			ClientStatus: structs.AllocClientStatusRunning, DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &healthy}},
		{ID: "a2", EvalID: "e1", Namespace: "default", JobID: "web", TaskGroup: "web", NodeID: "n1", DesiredStatus: structs.AllocDesiredStatusRun,
			ClientStatus: structs.AllocClientStatusPending},
		{ID: "a3", EvalID: "e1", Namespace: "default", JobID: "web", TaskGroup: "web", NodeID: "n1", DesiredStatus: structs.AllocDesiredStatusStop,
			ClientStatus: structs.AllocClientStatusComplete},
	}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: allocs}); err != nil {
		t.Fatal(err)
	}
	var resp structs.JobScaleStatusResponse
	if err := s.RPC("Job.ScaleStatus", &structs.JobSpecificRequest{JobID: "web"}, &resp); err != nil {
		t.Fatal(err)
	}
	st := resp.JobScaleStatus
	g := st.TaskGroups["web"]
	if st.JobID != "web" || st.JobStopped || g.Desired != 2 || g.Placed != 2 || g.Running != 1 || g.Healthy != 1 || g.Unhealthy != 0 || g.Events == nil {
		t.Fatalf("scale status = %+v group %+v", st, g)
	}
	if err := s.RPC("Job.ScaleStatus", &structs.JobSpecificRequest{JobID: "nope"}, &resp); err != nil || resp.JobScaleStatus != nil {
		t.Fatalf("missing job: %v %+v", err, resp.JobScaleStatus)
	}
}
