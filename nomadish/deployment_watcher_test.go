package nomadish

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// deploymentServer is a leader with a fake clock whose workers take only
// sysbatch evaluations, so that the watcher's evaluations of service jobs
// stay pending for the test to find.
func deploymentServer(t *testing.T) (*Server, *fakeClock) {
	t.Helper()
	return lifecycleServer(t, func(c *Config) {
		c.NumSchedulers = 1
		c.EnabledSchedulers = []string{structs.JobTypeSysBatch}
	})
}

// rollingJob is a service job of count 2 updated one at a time with a
// 10m progress deadline.
func rollingJob(id string, autoRevert bool) *structs.Job {
	j := mockJob(id)
	j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1, HealthCheck: "task_states", MinHealthyTime: time.Second,
		HealthyDeadline: time.Minute, ProgressDeadline: 10 * time.Minute, AutoRevert: autoRevert}
	return j
}

// rollout stores version 0 of job (stable when stable0 is set), then
// version 1, a deployment of version 1, and two allocations of it placed
// by that deployment.
func rollout(t *testing.T, s *Server, clock *fakeClock, job *structs.Job, stable0 bool) (*structs.Job, *structs.Deployment) {
	t.Helper()
	v0 := putJob(t, s, job)
	if stable0 {
		req := &structs.DeploymentProgressRequest{StableJobs: []*structs.JobStabilityUpdate{{Namespace: v0.Namespace, JobID: v0.ID, JobVersion: 0, Stable: true}}}
		if _, _, err := s.raftApply(structs.DeploymentProgressRequestType, req); err != nil {
			t.Fatal(err)
		}
	}
	next := v0.Copy()
	next.Meta = map[string]string{"rev": "1"}
	v1 := putJob(t, s, next)
	if v1.Version != 1 {
		t.Fatalf("second registration is version %d, want 1", v1.Version)
	}
	tg := v1.TaskGroups[0]
	d := &structs.Deployment{
		ID: "dep-" + v1.ID, Namespace: v1.Namespace, JobID: v1.ID, JobVersion: v1.Version, JobCreateIndex: v1.CreateIndex,
		JobModifyIndex: v1.ModifyIndex, JobSpecModifyIndex: v1.JobModifyIndex, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{tg.Name: {
			AutoRevert: tg.Update.AutoRevert, ProgressDeadline: tg.Update.ProgressDeadline, DesiredTotal: tg.Count,
			RequireProgressBy: clock.Now().Add(tg.Update.ProgressDeadline), // the store counts PlacedAllocs from the allocations below
		}},
		EvalPriority: 50,
	}
	if _, _, err := s.raftApply(structs.DeploymentUpsertRequestType, &structs.DeploymentUpsertRequest{Deployment: d}); err != nil {
		t.Fatal(err)
	}
	var allocs []*structs.Allocation
	for i := 0; i < tg.Count; i++ {
		allocs = append(allocs, &structs.Allocation{ID: fmt.Sprintf("%s-v1-%d", v1.ID, i), EvalID: "eval-setup", Namespace: v1.Namespace,
			JobID: v1.ID, Job: v1, TaskGroup: tg.Name, Name: structs.AllocName(v1.ID, tg.Name, uint(i)), NodeID: "n1",
			DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusRunning, DeploymentID: d.ID})
	}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: allocs}); err != nil {
		t.Fatal(err)
	}
	return v1, d
}

// reportHealth sends a client's health report of one allocation.
func reportHealth(t *testing.T, s *Server, clock *fakeClock, allocID string, healthy bool) {
	t.Helper()
	a, err := s.State().AllocByID(nil, allocID)
	if err != nil || a == nil {
		t.Fatalf("alloc %s: %v", allocID, err)
	}
	u := &structs.Allocation{ID: a.ID, ClientStatus: a.ClientStatus, TaskStates: a.TaskStates,
		DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &healthy, Timestamp: clock.Now()}}
	if _, _, err := s.raftApply(structs.AllocClientUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{u}}); err != nil {
		t.Fatal(err)
	}
}

func deploymentNow(t *testing.T, s *Server, id string) *structs.Deployment {
	t.Helper()
	d, err := s.State().DeploymentByID(nil, id)
	if err != nil || d == nil {
		t.Fatalf("deployment %s: %v", id, err)
	}
	return d
}

func waitDeployment(t *testing.T, s *Server, id string, what string, cond func(d *structs.Deployment) bool) *structs.Deployment {
	t.Helper()
	var d *structs.Deployment
	waitFor(t, 5*time.Second, func() error {
		d = deploymentNow(t, s, id)
		if !cond(d) {
			g := d.TaskGroups["web"]
			return fmt.Errorf("deployment not yet %s: status %s (%s), healthy %d unhealthy %d", what, d.Status, d.StatusDescription, g.HealthyAllocs, g.UnhealthyAllocs)
		}
		return nil
	})
	return d
}

func watcherEvals(t *testing.T, s *Server, jobID string) []*structs.Evaluation {
	t.Helper()
	evals, err := s.State().EvalsByJob(nil, "default", jobID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*structs.Evaluation
	for _, e := range evals {
		if e.TriggeredBy == structs.EvalTriggerDeploymentWatcher {
			out = append(out, e)
		}
	}
	return out
}

func TestDeploymentWatcherHealthyAllocsContinueAndSucceed(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d := rollout(t, s, clock, rollingJob("web", false), false)

	clock.Advance(time.Minute)
	reportHealth(t, s, clock, "web-v1-0", true)
	got := waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	if got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s after one of two healthy, want running", got.Status)
	}
	if want := clock.Now().Add(10 * time.Minute); !got.TaskGroups["web"].RequireProgressBy.Equal(want) {
		t.Fatalf("progress deadline %s, want moved to %s", got.TaskGroups["web"].RequireProgressBy, want)
	}
	evals := watcherEvals(t, s, job.ID)
	if len(evals) != 1 || evals[0].DeploymentID != d.ID || evals[0].Status != structs.EvalStatusPending || evals[0].JobModifyIndex != job.JobModifyIndex {
		t.Fatalf("watcher evals %+v, want one pending evaluation of the deployment", evals)
	}

	reportHealth(t, s, clock, "web-v1-1", true)
	got = waitDeployment(t, s, d.ID, "successful", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusSuccessful })
	if got.StatusDescription != structs.DeploymentDescSuccessful || got.TaskGroups["web"].HealthyAllocs != 2 {
		t.Fatalf("deployment %+v", got)
	}
	stored, _ := s.State().JobByID(nil, "default", job.ID)
	v1, _ := s.State().JobByIDAndVersion(nil, "default", job.ID, 1)
	if !stored.Stable || !v1.Stable {
		t.Fatalf("job stable %v, version 1 stable %v; want both after a successful deployment", stored.Stable, v1.Stable)
	}
	if n := len(watcherEvals(t, s, job.ID)); n != 1 {
		t.Fatalf("%d watcher evals, want no more once successful", n)
	}
}

func TestDeploymentWatcherWaitsForOlderVersionToStop(t *testing.T) {
	s, clock := deploymentServer(t)
	job := rollingJob("web", false)
	job.TaskGroups[0].Count = 1
	v1, d := rollout(t, s, clock, job, false)
	v0, _ := s.State().JobByIDAndVersion(nil, "default", v1.ID, 0)
	putAlloc(t, s, "old", v0, "n1")

	reportHealth(t, s, clock, "web-v1-0", true)
	waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	if got := deploymentNow(t, s, d.ID); got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s while version 0 still runs, want running", got.Status)
	}
	old, _ := s.State().AllocByID(nil, "old")
	stopped := old.Copy()
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{stopped}}); err != nil {
		t.Fatal(err)
	}
	waitDeployment(t, s, d.ID, "successful", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusSuccessful })
}

func TestDeploymentWatcherUnhealthyFailsAndAutoReverts(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d := rollout(t, s, clock, rollingJob("web", true), true)

	reportHealth(t, s, clock, "web-v1-0", false)
	got := waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if want := structs.DeploymentDescUnhealthyAllocs + " - rolling back to job version 0"; got.StatusDescription != want {
		t.Fatalf("description %q, want %q", got.StatusDescription, want)
	}
	if got.TaskGroups["web"].UnhealthyAllocs != 1 {
		t.Fatalf("unhealthy %d, want 1", got.TaskGroups["web"].UnhealthyAllocs)
	}
	waitFor(t, 5*time.Second, func() error {
		cur, _ := s.State().JobByID(nil, "default", job.ID)
		if cur.Version != 2 || cur.Meta["rev"] != "" {
			return fmt.Errorf("job at version %d meta %v, want version 2 with version 0's spec", cur.Version, cur.Meta)
		}
		return nil
	})
}

func TestDeploymentWatcherUnhealthyWithoutStableVersion(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d := rollout(t, s, clock, rollingJob("web", true), false)

	reportHealth(t, s, clock, "web-v1-1", false)
	got := waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if !strings.HasSuffix(got.StatusDescription, structs.DeploymentDescNoRollbackSuffix) {
		t.Fatalf("description %q, want no stable version to revert to", got.StatusDescription)
	}
	if cur, _ := s.State().JobByID(nil, "default", job.ID); cur.Version != 1 {
		t.Fatalf("job at version %d, want left at 1", cur.Version)
	}
}

func TestDeploymentWatcherProgressDeadline(t *testing.T) {
	s, clock := deploymentServer(t)
	_, d := rollout(t, s, clock, rollingJob("web", false), false)

	reportHealth(t, s, clock, "web-v1-0", true)
	got := waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
	deadline := got.TaskGroups["web"].RequireProgressBy

	clock.Advance(deadline.Sub(clock.Now()) - time.Second)
	if got := deploymentNow(t, s, d.ID); got.Status != structs.DeploymentStatusRunning {
		t.Fatalf("status %s before the progress deadline", got.Status)
	}
	clock.Advance(time.Second)
	got = waitDeployment(t, s, d.ID, "failed", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusFailed })
	if got.StatusDescription != structs.DeploymentDescProgressDeadline {
		t.Fatalf("description %q, want the progress deadline", got.StatusDescription)
	}
}

func TestPlanDeploymentCopyKeepsWatcherProgress(t *testing.T) {
	s, clock := deploymentServer(t)
	_, d := rollout(t, s, clock, rollingJob("web", false), false)
	stale := deploymentNow(t, s, d.ID).Copy()

	reportHealth(t, s, clock, "web-v1-0", true)
	waitDeployment(t, s, d.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })

	// A plan made from an older snapshot places one more allocation.
	node := &structs.Node{ID: "n1", Name: "n1", Datacenter: "dc1", Status: structs.NodeStatusReady}
	if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: node}); err != nil {
		t.Fatal(err)
	}
	one := &structs.Allocation{ID: "web-v1-2", EvalID: "eval-more", Namespace: d.Namespace, JobID: d.JobID, TaskGroup: "web",
		Name: structs.AllocName(d.JobID, "web", 2), NodeID: "n1", DesiredStatus: structs.AllocDesiredStatusRun, DeploymentID: d.ID}
	if _, _, err := s.raftApply(structs.ApplyPlanResultsRequestType, &structs.ApplyPlanResultsRequest{Deployment: stale, Allocs: []*structs.Allocation{one}}); err != nil {
		t.Fatal(err)
	}
	got := deploymentNow(t, s, d.ID).TaskGroups["web"]
	if got.HealthyAllocs != 1 || got.PlacedAllocs != 3 {
		t.Fatalf("group %+v: want the plan's placements and the watcher's health count", got)
	}
}

func TestDeploymentWatcherCountsAllocsUpdatedInPlace(t *testing.T) {
	s, clock := deploymentServer(t)
	job, d := rollout(t, s, clock, rollingJob("web", false), false)
	// An allocation the scheduler updated in place to version 1 runs
	// outside the deployment.
	putAlloc(t, s, "inplace", job, "n1")

	reportHealth(t, s, clock, "web-v1-0", true)
	got := waitDeployment(t, s, d.ID, "successful", func(d *structs.Deployment) bool { return d.Status == structs.DeploymentStatusSuccessful })
	if got.TaskGroups["web"].HealthyAllocs != 2 {
		t.Fatalf("healthy %d, want the deployment's one and the in-place one", got.TaskGroups["web"].HealthyAllocs)
	}
}

// A deployment whose last judgement wrote nothing is judged again only
// when something it read changed: a health report for one job's
// allocation has the watcher look at that job's deployment alone.
func TestDeploymentWatcherJudgesOnlyWhatChanged(t *testing.T) {
	s, clock := deploymentServer(t)
	_, da := rollout(t, s, clock, rollingJob("a", false), false)
	_, db := rollout(t, s, clock, rollingJob("b", false), false)

	passes := make(chan []string, 100)
	hook := func(judged []string) { passes <- judged }
	s.deployments.afterPass.Store(&hook)
	// Settle: one pass may still be judging both.
	s.deployments.wake()
	waitFor(t, 5*time.Second, func() error {
		select {
		case judged := <-passes:
			if len(judged) == 0 {
				return nil
			}
			return fmt.Errorf("pass judged %v; waiting for a quiet one", judged)
		default:
			s.deployments.wake()
			return fmt.Errorf("no pass yet")
		}
	})

	reportHealth(t, s, clock, "a-v1-0", true)
	waitFor(t, 5*time.Second, func() error {
		select {
		case judged := <-passes:
			for _, id := range judged {
				if id == db.ID {
					t.Fatalf("pass judged %v after a report on %s only", judged, da.ID)
				}
			}
			if len(judged) == 1 && judged[0] == da.ID {
				return nil
			}
			return fmt.Errorf("pass judged %v, waiting for %s", judged, da.ID)
		default:
			return fmt.Errorf("no pass yet")
		}
	})
	waitDeployment(t, s, da.ID, "one healthy", func(d *structs.Deployment) bool { return d.TaskGroups["web"].HealthyAllocs == 1 })
}
