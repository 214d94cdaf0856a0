package state

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestDeploymentProgressKeepsWhatItDoesNotName(t *testing.T) {
	s := testStore(t)
	job := testJob("web")
	must(t, s.UpsertJob(10, job))
	must(t, s.UpsertNode(10, batchNode("n1")))
	deadline := time.Unix(1000, 0)
	must(t, s.UpsertDeployment(11, &structs.Deployment{ID: "d1", Namespace: job.Namespace, JobID: job.ID, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3, PlacedAllocs: 2}}}))

	req := &structs.DeploymentProgressRequest{
		Deployments: []*structs.DeploymentProgress{
			{DeploymentID: "d1", Groups: map[string]*structs.DeploymentGroupProgress{"web": {HealthyAllocs: 1, RequireProgressBy: deadline}, "gone": {HealthyAllocs: 9}}},
			{DeploymentID: "unknown", Status: structs.DeploymentStatusFailed},
		},
		StableJobs: []*structs.JobStabilityUpdate{{Namespace: job.Namespace, JobID: job.ID, JobVersion: 0, Stable: true}},
		Evals:      []*structs.Evaluation{{ID: "e1", Namespace: job.Namespace, JobID: job.ID, Status: structs.EvalStatusPending}},
	}
	must(t, s.UpdateDeploymentProgress(12, req))

	d, err := s.DeploymentByID(nil, "d1")
	must(t, err)
	g := d.TaskGroups["web"]
	if d.Status != structs.DeploymentStatusRunning || g.HealthyAllocs != 1 || g.PlacedAllocs != 2 || !g.RequireProgressBy.Equal(deadline) || d.ModifyIndex != 12 {
		t.Fatalf("deployment %+v group %+v", d, g)
	}
	if _, ok := d.TaskGroups["gone"]; ok {
		t.Fatal("a group the deployment does not have was added")
	}
	cur, err := s.JobByID(nil, job.Namespace, job.ID)
	must(t, err)
	v0, err := s.JobByIDAndVersion(nil, job.Namespace, job.ID, 0)
	must(t, err)
	if !cur.Stable || !v0.Stable {
		t.Fatalf("stable: job %v, version 0 %v", cur.Stable, v0.Stable)
	}
	if e, err := s.EvalByID(nil, "e1"); err != nil || e == nil {
		t.Fatalf("eval not written: %v", err)
	}

	// A plan's copy taken before the progress keeps it; the plan's one
	// new allocation is counted by the store, whatever count the copy
	// carries.
	stale := &structs.Deployment{ID: "d1", Namespace: job.Namespace, JobID: job.ID, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3, PlacedAllocs: 7}}}
	must(t, s.UpdateDeploymentProgress(13, &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{
		{DeploymentID: "d1", Status: structs.DeploymentStatusFailed, StatusDescription: structs.DeploymentDescFailedByUser},
	}}))
	placed := testAlloc(job, "a3", "n1")
	placed.DeploymentID = "d1"
	must(t, s.UpsertPlanResults(14, &structs.ApplyPlanResultsRequest{Deployment: stale, Allocs: []*structs.Allocation{placed}}))
	d, err = s.DeploymentByID(nil, "d1")
	must(t, err)
	g = d.TaskGroups["web"]
	if d.Status != structs.DeploymentStatusFailed || g.HealthyAllocs != 1 || g.PlacedAllocs != 3 || !g.RequireProgressBy.Equal(deadline) {
		t.Fatalf("after a stale plan: deployment %s group %+v", d.Status, g)
	}
}
