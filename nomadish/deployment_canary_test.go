package nomadish

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// canaryRollout stores version 0 of a count-2 job (stable) with two
// running allocations, then version 1 with canary canaries, its
// deployment and the canaries placed beside the old allocations, as the
// scheduler does.
func canaryRollout(t *testing.T, s *Server, clock *fakeClock, canary int, autoPromote, autoRevert bool) (*structs.Job, *structs.Deployment, []string) {
	t.Helper()
	job := mockJob("web")
	job.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1, Canary: canary, AutoPromote: autoPromote, AutoRevert: autoRevert,
		HealthCheck: "task_states", MinHealthyTime: time.Second, HealthyDeadline: time.Minute, ProgressDeadline: 10 * time.Minute}
	v0 := putJob(t, s, job)
	req := &structs.DeploymentProgressRequest{StableJobs: []*structs.JobStabilityUpdate{{Namespace: v0.Namespace, JobID: v0.ID, JobVersion: 0, Stable: true}}}
	if _, _, err := s.raftApply(structs.DeploymentProgressRequestType, req); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < v0.TaskGroups[0].Count; i++ {
		putAlloc(t, s, fmt.Sprintf("old-%d", i), v0, "n1")
	}
	next := v0.Copy()
	next.Meta = map[string]string{"rev": "1"}
	v1 := putJob(t, s, next)
	tg := v1.TaskGroups[0]
	d := &structs.Deployment{
		ID: "dep-" + v1.ID, Namespace: v1.Namespace, JobID: v1.ID, JobVersion: v1.Version, JobCreateIndex: v1.CreateIndex,
		JobModifyIndex: v1.ModifyIndex, JobSpecModifyIndex: v1.JobModifyIndex, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{tg.Name: {
			AutoRevert: autoRevert, AutoPromote: autoPromote, ProgressDeadline: tg.Update.ProgressDeadline, DesiredTotal: tg.Count,
			DesiredCanaries: canary, RequireProgressBy: clock.Now().Add(tg.Update.ProgressDeadline),
		}},
		EvalPriority: 50,
	}
	if _, _, err := s.raftApply(structs.DeploymentUpsertRequestType, &structs.DeploymentUpsertRequest{Deployment: d}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var allocs []*structs.Allocation
	for i := 0; i < canary; i++ {
		id := fmt.Sprintf("canary-%d", i)
		ids = append(ids, id)
		allocs = append(allocs, &structs.Allocation{ID: id, EvalID: "eval-setup", Namespace: v1.Namespace,
			JobID: v1.ID, Job: v1, TaskGroup: tg.Name, Name: structs.AllocName(v1.ID, tg.Name, uint(i)), NodeID: "n1",
			DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusRunning, DeploymentID: d.ID,
			DeploymentStatus: &structs.AllocDeploymentStatus{Canary: true}})
	}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: allocs}); err != nil {
		t.Fatal(err)
	}
	got := deploymentNow(t, s, d.ID).TaskGroups["web"]
	if len(got.PlacedCanaries) != canary || got.PlacedAllocs != canary {
		t.Fatalf("store recorded canaries %v placed %d, want %d", got.PlacedCanaries, got.PlacedAllocs, canary)
	}
	return v1, d, ids
}

func promote(s *Server, id string, groups ...string) (*structs.DeploymentUpdateResponse, error) {
	var reply structs.DeploymentUpdateResponse
	err := s.RPC("Deployment.Promote", &structs.DeploymentPromoteRequest{DeploymentID: id, All: len(groups) == 0, Groups: groups}, &reply)
	return &reply, err
}

func TestDeploymentWatcherCanaryWaitsForManualPromotion(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d, canaries := canaryRollout(t, s, clock, 1, false, false)

	if _, err := promote(s, d.ID); err == nil || !strings.Contains(err.Error(), `group "web" has 0 of 1 canaries healthy`) {
		t.Fatalf("promotion of an unreported canary: %v, want refused", err)
	}
	reportHealth(t, s, clock, canaries[0], true)
	got := waitDeployment(t, s, d.ID, "waiting for promotion", func(d *structs.Deployment) bool {
		return d.StatusDescription == structs.DeploymentDescNeedsPromotion
	})
	if g := got.TaskGroups["web"]; got.Status != structs.DeploymentStatusRunning || g.HealthyAllocs != 1 || g.Promoted || !got.RequiresPromotion() {
		t.Fatalf("deployment %s (%s) group %+v, want running, 1 healthy, awaiting promotion", got.Status, got.StatusDescription, g)
	}
	if a, _ := s.State().AllocByID(nil, canaries[0]); a.DeploymentStatus == nil || !a.DeploymentStatus.Canary {
		t.Fatal("the health report cleared the canary flag")
	}

	// The progress deadline does not run while the canaries wait.
	clock.Advance(time.Hour)
	if err := waitQuiet(s); err != nil {
		t.Fatal(err)
	}
	if got := deploymentNow(t, s, d.ID); got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s (%s) an hour after the canary became healthy, want running until promoted", got.Status, got.StatusDescription)
	}

	before := len(watcherEvals(t, s, job.ID))
	if _, err := promote(s, d.ID, "api"); err == nil || !strings.Contains(err.Error(), `has no group "api"`) {
		t.Fatalf("promotion of an unknown group: %v", err)
	}
	reply, err := promote(s, d.ID, "web")
	if err != nil {
		t.Fatal(err)
	}
	got = deploymentNow(t, s, d.ID)
	g := got.TaskGroups["web"]
	if !g.Promoted || got.RequiresPromotion() || got.StatusDescription != structs.DeploymentDescPromoted {
		t.Fatalf("after promotion: %s group %+v", got.StatusDescription, g)
	}
	if want := clock.Now().Add(10 * time.Minute); !g.RequireProgressBy.Equal(want) {
		t.Fatalf("progress deadline %s after promotion, want %s", g.RequireProgressBy, want)
	}
	evals := watcherEvals(t, s, job.ID)
	if len(evals) != before+1 || reply.EvalID == "" || evals[len(evals)-1].DeploymentID != d.ID {
		t.Fatalf("promotion created evals %+v (reply %q), want one of the deployment", evals, reply.EvalID)
	}
	// Promoted but the old version still runs: not successful yet.
	if got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s right after promotion", got.Status)
	}
}

// waitQuiet lets the watcher run a pass at the advanced clock: the wake
// is asynchronous, so the test waits for a pass to judge something or
// for a bound.
func waitQuiet(s *Server) error {
	done := make(chan struct{}, 1)
	f := func([]string) {
		select {
		case done <- struct{}{}:
		default:
		}
	}
	s.deployments.afterPass.Store(&f)
	defer s.deployments.afterPass.Store(nil)
	s.deployments.wake()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("the deployment watcher ran no pass within 5s")
	}
}

func TestDeploymentWatcherAutoPromotesHealthyCanaries(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d, canaries := canaryRollout(t, s, clock, 2, true, false)

	reportHealth(t, s, clock, canaries[0], true)
	waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	if deploymentNow(t, s, d.ID).TaskGroups["web"].Promoted {
		t.Fatal("promoted with one of two canaries healthy")
	}
	clock.Advance(time.Minute)
	reportHealth(t, s, clock, canaries[1], true)
	got := waitDeployment(t, s, d.ID, "promoted", func(d *structs.Deployment) bool { return d.TaskGroups["web"].Promoted })
	if want := clock.Now().Add(10 * time.Minute); !got.TaskGroups["web"].RequireProgressBy.Equal(want) {
		t.Fatalf("progress deadline %s, want %s", got.TaskGroups["web"].RequireProgressBy, want)
	}
	evals := watcherEvals(t, s, job.ID)
	if len(evals) == 0 || evals[len(evals)-1].DeploymentID != d.ID {
		t.Fatalf("no evaluation to roll out the rest after auto-promotion: %+v", evals)
	}
	// Both canaries are healthy and count toward the group's count of
	// 2, but version 0 still runs: the deployment goes on.
	if got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s with the old version running", got.Status)
	}
}

func TestDeploymentWatcherUnhealthyCanaryFailsAndReverts(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d, canaries := canaryRollout(t, s, clock, 1, true, true)

	reportHealth(t, s, clock, canaries[0], false)
	got := waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if want := structs.DeploymentDescUnhealthyAllocs + " - rolling back to job version 0"; got.StatusDescription != want {
		t.Fatalf("description %q, want %q", got.StatusDescription, want)
	}
	if got.TaskGroups["web"].Promoted {
		t.Fatal("an unhealthy canary was promoted")
	}
	waitFor(t, 5*time.Second, func() error {
		cur, _ := s.State().JobByID(nil, "default", job.ID)
		if cur.Version != 2 || cur.Meta["rev"] != "" {
			return fmt.Errorf("job at version %d meta %v, want version 2 with version 0's spec", cur.Version, cur.Meta)
		}
		return nil
	})
	if _, err := promote(s, d.ID); err == nil || !strings.Contains(err.Error(), "is failed") {
		t.Fatalf("promotion of a failed deployment: %v", err)
	}
}

func TestDeploymentWatcherCanaryProgressDeadline(t *testing.T) {
	s, clock := deploymentServer(t)
	_, d, _ := canaryRollout(t, s, clock, 1, false, false)

	// The canary never reports: the deadline set at creation passes.
	clock.Advance(10*time.Minute - time.Second)
	if got := deploymentNow(t, s, d.ID); got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s before the progress deadline", got.Status)
	}
	clock.Advance(time.Second)
	got := waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if got.StatusDescription != structs.DeploymentDescProgressDeadline {
		t.Fatalf("description %q, want the progress deadline", got.StatusDescription)
	}
}
