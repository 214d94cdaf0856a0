package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Manual health (health_check = "manual"): allocations become healthy or
// unhealthy only through Deployment.SetAllocHealth, and the deployment
// moves on from that as it does from a client's report.
func TestDeploymentSetAllocHealth(t *testing.T) {
	s, clock := deploymentServer(t)
	job := rollingJob("web", false)
	job.TaskGroups[0].Update.HealthCheck = "manual"
	_, d := rollout(t, s, clock, job, false)

	var reply structs.DeploymentUpdateResponse
	for _, c := range []struct {
		req  structs.DeploymentAllocHealthRequest
		want string
	}{
		{structs.DeploymentAllocHealthRequest{DeploymentID: d.ID}, "name at least one allocation"},
		{structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, HealthyAllocationIDs: []string{"nope"}}, `HealthyAllocationIDs[0]: no allocation "nope"`},
		{structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, HealthyAllocationIDs: []string{"web-v1-0"}, UnhealthyAllocationIDs: []string{"web-v1-0"}},
			`UnhealthyAllocationIDs[0]: allocation "web-v1-0" is named both healthy and unhealthy`},
	} {
		err := s.RPC("Deployment.SetAllocHealth", &c.req, &reply)
		if !structs.IsValidationError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a validation error with %q", c.req, err, c.want)
		}
	}
	if err := s.RPC("Deployment.SetAllocHealth", &structs.DeploymentAllocHealthRequest{DeploymentID: "nope", HealthyAllocationIDs: []string{"web-v1-0"}}, &reply); !structs.IsErrNotFound(err) {
		t.Fatalf("unknown deployment: %v, want not found", err)
	}

	if err := s.RPC("Deployment.SetAllocHealth", &structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, HealthyAllocationIDs: []string{"web-v1-0"}}, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Index == 0 || reply.DeploymentModifyIndex != reply.Index {
		t.Fatalf("reply %+v", reply)
	}
	a, _ := s.State().AllocByID(nil, "web-v1-0")
	if a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil || !*a.DeploymentStatus.Healthy || !a.DeploymentStatus.Timestamp.Equal(clock.Now()) {
		t.Fatalf("deployment status %+v, want healthy at the leader's now", a.DeploymentStatus)
	}
	waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	if err := s.RPC("Deployment.SetAllocHealth", &structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, HealthyAllocationIDs: []string{"web-v1-1"}}, &reply); err != nil {
		t.Fatal(err)
	}
	waitDeployment(t, s, d.ID, "successful", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusSuccessful })

	// An ended deployment takes no more.
	err := s.RPC("Deployment.SetAllocHealth", &structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, UnhealthyAllocationIDs: []string{"web-v1-1"}}, &reply)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), "is successful") {
		t.Fatalf("health of an ended deployment: %v", err)
	}
}

// An allocation marked unhealthy by hand fails the deployment, and with
// auto_revert the job goes back to its stable version.
func TestDeploymentSetAllocUnhealthyReverts(t *testing.T) {
	s, clock := deploymentServer(t)
	job := rollingJob("web", true)
	job.TaskGroups[0].Update.HealthCheck = "manual"
	_, d := rollout(t, s, clock, job, true)
	var reply structs.DeploymentUpdateResponse
	if err := s.RPC("Deployment.SetAllocHealth", &structs.DeploymentAllocHealthRequest{DeploymentID: d.ID, UnhealthyAllocationIDs: []string{"web-v1-0"}}, &reply); err != nil {
		t.Fatal(err)
	}
	got := waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if !strings.Contains(got.StatusDescription, "rolling back to job version 0") {
		t.Fatalf("description %q, want a rollback", got.StatusDescription)
	}
}
