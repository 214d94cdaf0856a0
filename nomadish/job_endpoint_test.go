package nomadish

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func mockJob(id string) *structs.Job {
	return &structs.Job{
		ID:          id,
		Type:        structs.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{
			Name:  "web",
			Count: 2,
			Tasks: []*structs.Task{{Name: "app", Driver: "mock", Config: map[string]interface{}{"run_for": "1h"}}},
		}},
	}
}

func registerJob(t *testing.T, s *Server, job *structs.Job) *structs.JobRegisterResponse {
	t.Helper()
	var resp structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp); err != nil {
		t.Fatalf("register %s: %v", job.ID, err)
	}
	return &resp
}

func TestJobRegisterCreatesJobAndEvalInOneEntry(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)

	resp := registerJob(t, s, mockJob("web"))
	if resp.EvalID == "" || resp.EvalCreateIndex == 0 || resp.JobModifyIndex != resp.EvalCreateIndex {
		t.Fatalf("response = %+v", resp)
	}

	var got structs.SingleJobResponse
	if err := s.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: "web"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Job == nil || got.Job.Priority != structs.DefaultJobPriority || got.Job.Namespace != "default" {
		t.Fatalf("job not stored with defaults: %+v", got.Job)
	}
	if got.Index != resp.JobModifyIndex || !got.KnownLeader {
		t.Fatalf("query meta = %+v", got.QueryMeta)
	}

	var eval structs.SingleEvalResponse
	if err := s.RPC("Eval.GetEval", &structs.EvalSpecificRequest{EvalID: resp.EvalID}, &eval); err != nil {
		t.Fatal(err)
	}
	if eval.Eval == nil || eval.Eval.JobID != "web" || eval.Eval.TriggeredBy != structs.EvalTriggerJobRegister || eval.Eval.CreateIndex != resp.EvalCreateIndex {
		t.Fatalf("eval = %+v", eval.Eval)
	}
}

func TestJobRegisterRejectsBadJobsWithEveryProblem(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)

	job := mockJob("")
	job.TaskGroups[0].Count = -1
	job.TaskGroups[0].Tasks[0].Resources = &structs.Resources{CPU: 100, MemoryMB: 1}
	var resp structs.JobRegisterResponse
	err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp)
	if !structs.IsValidationError(err) {
		t.Fatalf("want a validation error, got %v", err)
	}
	for _, want := range []string{"job ID: required", `group "web" > count: must be 0 or more`, `group "web" > task "app" > resources > memory: must be at least 10`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if idx, _ := s.State().LatestIndex(); idx > 1 {
		var list structs.JobListResponse
		_ = s.RPC("Job.List", &structs.JobListRequest{}, &list)
		if len(list.Jobs) != 0 {
			t.Fatalf("a rejected job was stored: %+v", list.Jobs)
		}
	}

	err = s.RPC("Job.Register", &structs.JobRegisterRequest{}, &resp)
	if err == nil || !strings.Contains(err.Error(), "Job: missing") {
		t.Fatalf("nil job: %v", err)
	}
}

func TestJobRegisterEnforceIndex(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)

	var resp structs.JobRegisterResponse
	err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob("web"), EnforceIndex: true, JobModifyIndex: 7}, &resp)
	if !structs.IsErrConflict(err) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("enforce on a new job with a non-zero index: %v", err)
	}
	first := registerJob(t, s, mockJob("web"))

	changed := mockJob("web")
	changed.TaskGroups[0].Count = 5
	err = s.RPC("Job.Register", &structs.JobRegisterRequest{Job: changed, EnforceIndex: true, JobModifyIndex: first.JobModifyIndex + 100}, &resp)
	if !structs.IsErrConflict(err) {
		t.Fatalf("stale index accepted: %v", err)
	}
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: changed, EnforceIndex: true, JobModifyIndex: first.JobModifyIndex}, &resp); err != nil {
		t.Fatalf("current index refused: %v", err)
	}
	var versions structs.JobVersionsResponse
	if err := s.RPC("Job.GetJobVersions", &structs.JobVersionsRequest{JobID: "web"}, &versions); err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 2 || versions.Versions[0].Version != 1 || versions.Versions[0].TaskGroups[0].Count != 5 {
		t.Fatalf("versions = %d, newest %+v", len(versions.Versions), versions.Versions[0])
	}
}

func TestJobDeregisterStopsThenPurges(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web"))

	var dereg structs.JobDeregisterResponse
	if err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "web"}, &dereg); err != nil {
		t.Fatal(err)
	}
	if dereg.EvalID == "" {
		t.Fatal("stop created no evaluation")
	}
	var got structs.SingleJobResponse
	_ = s.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: "web"}, &got)
	if got.Job == nil || !got.Job.Stop {
		t.Fatalf("job not marked stopped: %+v", got.Job)
	}

	if err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "web", Purge: true}, &dereg); err != nil {
		t.Fatal(err)
	}
	got = structs.SingleJobResponse{}
	_ = s.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: "web"}, &got)
	if got.Job != nil {
		t.Fatal("job not purged")
	}
	err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "web"}, &dereg)
	if !structs.IsErrNotFound(err) {
		t.Fatalf("deregister of a missing job: %v", err)
	}
}

func TestJobGetBlocksUntilTheJobChanges(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	first := registerJob(t, s, mockJob("web"))

	done := make(chan structs.SingleJobResponse, 1)
	errc := make(chan error, 1)
	go func() {
		var out structs.SingleJobResponse
		err := s.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: "web", QueryOptions: structs.QueryOptions{
			MinQueryIndex: first.JobModifyIndex, MaxQueryTime: time.Minute}}, &out)
		if err != nil {
			errc <- err
			return
		}
		done <- out
	}()

	// A write to another job must not wake the query.
	other := registerJob(t, s, mockJob("other"))
	select {
	case out := <-done:
		t.Fatalf("woke for an unrelated write at index %d", out.Index)
	case err := <-errc:
		t.Fatal(err)
	default:
	}

	changed := mockJob("web")
	changed.TaskGroups[0].Count = 9
	second := registerJob(t, s, changed)
	select {
	case out := <-done:
		if out.Index != second.JobModifyIndex || out.Job.TaskGroups[0].Count != 9 || out.Index <= other.JobModifyIndex {
			t.Fatalf("woke with index %d, job %+v", out.Index, out.Job.TaskGroups[0])
		}
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("blocking query did not wake for the change")
	}
}

func TestNodeRegisterStatusAndList(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)

	var resp structs.NodeUpdateResponse
	node := testNode("n1")
	node.SecretID = "secret"
	if err := s.RPC("Node.Register", &structs.NodeRegisterRequest{Node: node}, &resp); err != nil {
		t.Fatal(err)
	}
	var got structs.SingleNodeResponse
	if err := s.RPC("Node.GetNode", &structs.NodeSpecificRequest{NodeID: "n1"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Node == nil || got.Node.SecretID != "" || got.Node.SchedulingEligibility != structs.NodeSchedulingEligible {
		t.Fatalf("node = %+v", got.Node)
	}
	err := s.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: "n1", SecretID: "secret", Status: "sleepy"}, &resp)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), `"ready"`) {
		t.Fatalf("bad status: %v", err)
	}
	if err := s.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: "n1", SecretID: "secret", Status: structs.NodeStatusDown}, &resp); err != nil {
		t.Fatal(err)
	}
	var list structs.NodeListResponse
	if err := s.RPC("Node.List", &structs.NodeListRequest{}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Nodes) != 1 || list.Nodes[0].Status != structs.NodeStatusDown {
		t.Fatalf("nodes = %+v", list.Nodes)
	}
	err = s.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: "missing", Status: structs.NodeStatusDown}, &resp)
	if !errors.Is(err, structs.ErrNotFound) && !structs.IsErrNotFound(err) {
		t.Fatalf("missing node: %v", err)
	}
}

// Canaries with max_parallel = 0 would never be placed (no deployment):
// the job is registered with a warning that says so, and the plan says
// the same. With max_parallel set, canaries work and nothing is warned.
func TestJobRegisterWarnsOfCanaries(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	job := mockJob("canary")
	job.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 0, Canary: 1}
	var resp structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job.Copy()}, &resp); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.Warnings, "canary = 1 has no effect with max_parallel = 0") {
		t.Fatalf("register warnings = %q", resp.Warnings)
	}
	var plan structs.JobPlanResponse
	if err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: job.Copy()}, &plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Warnings, "no canaries are placed") {
		t.Fatalf("plan warnings = %q", plan.Warnings)
	}

	job.TaskGroups[0].Update.MaxParallel = 2
	resp = structs.JobRegisterResponse{}
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp); err != nil || resp.Warnings != "" {
		t.Fatalf("canaries with max_parallel 2: %v, warnings %q", err, resp.Warnings)
	}
}
