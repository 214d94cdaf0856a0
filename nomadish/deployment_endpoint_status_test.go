package nomadish

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestDeploymentFailRevertsToStableVersion(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d := rollout(t, s, clock, rollingJob("web", true), true)

	var reply structs.DeploymentUpdateResponse
	if err := s.RPC("Deployment.Fail", &structs.DeploymentFailRequest{DeploymentID: d.ID}, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.RevertedJobVersion == nil || *reply.RevertedJobVersion != 0 || reply.EvalID == "" || reply.Index == 0 {
		t.Fatalf("reply %+v, want a revert to version 0 and an evaluation", reply)
	}
	got := deploymentNow(t, s, d.ID)
	if want := structs.DeploymentDescFailedByUser + " - rolling back to job version 0"; got.Status != structs.DeploymentStatusFailed || got.StatusDescription != want {
		t.Fatalf("deployment %s (%s), want failed (%s)", got.Status, got.StatusDescription, want)
	}
	if cur, _ := s.State().JobByID(nil, "default", job.ID); cur.Version != 2 {
		t.Fatalf("job at version %d, want 2 (version 0 registered again)", cur.Version)
	}

	// A failed deployment cannot change any more.
	err := s.RPC("Deployment.Pause", &structs.DeploymentPauseRequest{DeploymentID: d.ID, Pause: true}, &reply)
	if !structs.IsValidationError(err) {
		t.Fatalf("pause of a failed deployment: %v, want a validation error", err)
	}
	if err := s.RPC("Deployment.Fail", &structs.DeploymentFailRequest{DeploymentID: "nope"}, &reply); !structs.IsErrNotFound(err) {
		t.Fatalf("fail of an unknown deployment: %v, want not found", err)
	}
}

func TestDeploymentPauseStopsTheProgressDeadline(t *testing.T) {
	s, clock := deploymentServer(t)
	_, d := rollout(t, s, clock, rollingJob("web", false), false)

	var reply structs.DeploymentUpdateResponse
	if err := s.RPC("Deployment.Pause", &structs.DeploymentPauseRequest{DeploymentID: d.ID, Pause: true}, &reply); err != nil {
		t.Fatal(err)
	}
	if got := deploymentNow(t, s, d.ID); got.Status != structs.DeploymentStatusPaused {
		t.Fatalf("status %s, want paused", got.Status)
	}
	clock.Advance(time.Hour)
	// Health is still counted while paused, but nothing moves.
	reportHealth(t, s, clock, "web-v1-0", true)
	got := waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	if got.Status != structs.DeploymentStatusPaused {
		t.Fatalf("status %s past the progress deadline while paused, want paused", got.Status)
	}

	if err := s.RPC("Deployment.Pause", &structs.DeploymentPauseRequest{DeploymentID: d.ID, Pause: false}, &reply); err != nil {
		t.Fatal(err)
	}
	got = deploymentNow(t, s, d.ID)
	if got.Status != structs.DeploymentStatusRunning || !got.TaskGroups["web"].RequireProgressBy.Equal(clock.Now().Add(10*time.Minute)) {
		t.Fatalf("resumed deployment %s, progress by %s; want running with a fresh deadline", got.Status, got.TaskGroups["web"].RequireProgressBy)
	}
	reportHealth(t, s, clock, "web-v1-1", true)
	waitDeployment(t, s, d.ID, "successful", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusSuccessful })
}
