package nomadish

import (
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestDeploymentEndpoints(t *testing.T) {
	s := schedServer(t, nil)
	schedRegisterNode(t, s, schedNode("node-1", 4000, 8192))

	var none structs.SingleDeploymentResponse
	if err := s.RPC("Job.LatestDeployment", &structs.JobSpecificRequest{JobID: "web"}, &none); err != nil {
		t.Fatal(err)
	}
	if none.Deployment != nil {
		t.Fatalf("deployment of a job that does not exist: %+v", none.Deployment)
	}

	// A service group with an update block is placed within a deployment.
	job := mockJob("web")
	job.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1}
	resp := registerJob(t, s, job)
	waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusComplete))

	var latest structs.SingleDeploymentResponse
	waitFor(t, 10*time.Second, func() error {
		if err := s.RPC("Job.LatestDeployment", &structs.JobSpecificRequest{JobID: "web"}, &latest); err != nil {
			return err
		}
		if latest.Deployment == nil {
			return fmt.Errorf("no deployment yet")
		}
		return nil
	})
	if latest.Deployment.JobID != "web" || latest.Index == 0 {
		t.Fatalf("latest deployment = %+v, index %d", latest.Deployment, latest.Index)
	}

	var byJob, all structs.DeploymentListResponse
	if err := s.RPC("Job.Deployments", &structs.JobSpecificRequest{JobID: "web"}, &byJob); err != nil {
		t.Fatal(err)
	}
	if err := s.RPC("Deployment.List", &structs.DeploymentListRequest{}, &all); err != nil {
		t.Fatal(err)
	}
	if len(byJob.Deployments) != 1 || len(all.Deployments) != 1 || all.Deployments[0].ID != latest.Deployment.ID {
		t.Fatalf("job deployments %d, all %d", len(byJob.Deployments), len(all.Deployments))
	}

	var one structs.SingleDeploymentResponse
	if err := s.RPC("Deployment.GetDeployment", &structs.DeploymentSpecificRequest{DeploymentID: latest.Deployment.ID}, &one); err != nil {
		t.Fatal(err)
	}
	if one.Deployment == nil || one.Deployment.ID != latest.Deployment.ID {
		t.Fatalf("get deployment = %+v", one.Deployment)
	}
	one = structs.SingleDeploymentResponse{}
	if err := s.RPC("Deployment.GetDeployment", &structs.DeploymentSpecificRequest{DeploymentID: "missing"}, &one); err != nil || one.Deployment != nil {
		t.Fatalf("missing deployment: %+v, %v", one.Deployment, err)
	}

	// The deployment's allocations: those the job was placed with.
	var allocs structs.JobAllocationsResponse
	if err := s.RPC("Deployment.Allocations", &structs.DeploymentSpecificRequest{DeploymentID: latest.Deployment.ID}, &allocs); err != nil {
		t.Fatal(err)
	}
	if len(allocs.Allocations) != job.TaskGroups[0].Count {
		t.Fatalf("deployment allocations = %+v", allocs.Allocations)
	}
	err := s.RPC("Deployment.Allocations", &structs.DeploymentSpecificRequest{DeploymentID: "missing"}, &structs.JobAllocationsResponse{})
	if !structs.IsErrNotFound(err) {
		t.Fatalf("allocations of a missing deployment: %v, want not found", err)
	}
}
