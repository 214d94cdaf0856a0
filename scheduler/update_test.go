package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestClassifyUpdate(t *testing.T) {
	base := mockJob("u")
	base.CreateIndex, base.JobModifyIndex = 10, 10
	for _, tc := range []struct {
		name   string
		mutate func(*structs.Job)
		want   updateKind
	}{
		{"same version", nil, updateNone},
		{"count only", func(j *structs.Job) { j.TaskGroups[0].Count = 3 }, updateInPlace},
		{"task meta", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].Meta = map[string]string{"v": "2"} }, updateInPlace},
		{"kill timeout", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].KillTimeout = time.Minute }, updateInPlace},
		{"restart policy", func(j *structs.Job) { j.TaskGroups[0].RestartPolicy.Attempts = 9 }, updateInPlace},
		{"update block", func(j *structs.Job) { j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 3} }, updateInPlace},
		{"driver", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].Driver = "mock" }, updateDestructive},
		{"config", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"command": "/bin/ls"} }, updateDestructive},
		{"env", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].Env = map[string]string{"FOO": "baz"} }, updateDestructive},
		{"resources", func(j *structs.Job) { j.TaskGroups[0].Tasks[0].Resources.MemoryMB = 512 }, updateDestructive},
		{"artifacts", func(j *structs.Job) {
			j.TaskGroups[0].Tasks[0].Artifacts = []*structs.TaskArtifact{{GetterSource: "https://example.com/a.tgz"}}
		}, updateDestructive},
		{"templates", func(j *structs.Job) {
			j.TaskGroups[0].Tasks[0].Templates = []*structs.Template{{EmbeddedTmpl: "x", DestPath: "local/x"}}
		}, updateDestructive},
		{"job constraint", func(j *structs.Job) {
			j.Constraints = []*structs.Constraint{{LTarget: "${attr.cpu.arch}", RTarget: "amd64"}}
		}, updateDestructive},
		{"new task", func(j *structs.Job) {
			j.TaskGroups[0].Tasks = append(j.TaskGroups[0].Tasks, &structs.Task{Name: "side", Driver: "exec"})
		}, updateDestructive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := base.Copy()
			if tc.mutate != nil {
				tc.mutate(next)
				next.JobModifyIndex = 20
			}
			if got := classifyUpdate(base, next, "web"); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
	// nil and empty collections are the same (msgpack round trips).
	a, b := base.Copy(), base.Copy()
	a.TaskGroups[0].Tasks[0].Env = map[string]string{}
	b.TaskGroups[0].Tasks[0].Env = nil
	b.JobModifyIndex = 30
	if got := classifyUpdate(a, b, "web"); got != updateInPlace {
		t.Fatalf("nil vs empty env: %d", got)
	}
}

func TestService_InPlaceUpdate(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 4, nil)
	j := mockJob("inplace")
	j.TaskGroups[0].Count = 4
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	before := map[string]string{}
	for _, a := range h.liveAllocs(job) {
		before[a.ID] = a.NodeID
	}
	j.TaskGroups[0].Tasks[0].Meta = map[string]string{"version": "2"}
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	if countStopped(plan) != 0 || countPlaced(plan) != 4 {
		t.Fatalf("stopped %d placed %d", countStopped(plan), countPlaced(plan))
	}
	for _, a := range h.liveAllocs(job) {
		if before[a.ID] != a.NodeID || a.Job.Version != job.Version {
			t.Fatalf("%s moved or not updated", a.Name)
		}
	}
}

func TestService_DestructiveUpdateMaxParallel(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 5, nil)
	j := mockJob("rolling")
	j.TaskGroups[0].Count = 5
	j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 2, HealthCheck: "task_states", MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute, ProgressDeadline: 10 * time.Minute}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	first := h.lastPlan()
	if first.Deployment == nil || first.Deployment.TaskGroups["web"].DesiredTotal != 5 || countPlaced(first) != 5 {
		t.Fatalf("initial deployment %+v", first.Deployment)
	}
	// Everything of version 0 is healthy.
	var healthy []*structs.Allocation
	yes := true
	for _, a := range h.liveAllocs(job) {
		healthy = append(healthy, &structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusRunning, DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &yes}})
	}
	if err := h.state.UpdateAllocsFromClient(h.nextIndex(), healthy); err != nil {
		t.Fatal(err)
	}

	j.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"command": "/bin/true"}
	job = h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	if countStopped(plan) != 2 || countPlaced(plan) != 2 {
		t.Fatalf("destructive: stopped %d placed %d, want 2 and 2", countStopped(plan), countPlaced(plan))
	}
	if plan.Deployment == nil || plan.Deployment.JobVersion != job.Version || len(plan.DeploymentUpdates) != 1 ||
		plan.DeploymentUpdates[0].Status != structs.DeploymentStatusCancelled {
		t.Fatalf("deployment %+v updates %+v", plan.Deployment, plan.DeploymentUpdates)
	}
	for _, list := range plan.NodeAllocation {
		for _, a := range list {
			if a.DeploymentID != plan.Deployment.ID || a.PreviousAllocation == "" {
				t.Fatalf("replacement %+v", a)
			}
		}
	}

	// Nothing more until the two new ones are healthy.
	h.process(newEval(job, structs.EvalTriggerDeploymentWatcher))
	if p := h.lastPlan(); p != plan {
		t.Fatalf("next batch before health: placed %v", planned(p))
	}
	healthy = nil
	for _, a := range h.liveAllocs(job) {
		if a.Job.Version == job.Version {
			healthy = append(healthy, &structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusRunning, DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &yes}})
		}
	}
	if err := h.state.UpdateAllocsFromClient(h.nextIndex(), healthy); err != nil {
		t.Fatal(err)
	}
	h.process(newEval(job, structs.EvalTriggerDeploymentWatcher))
	plan = h.lastPlan()
	if countStopped(plan) != 2 || countPlaced(plan) != 2 || plan.Deployment == nil {
		t.Fatalf("second batch: stopped %d placed %d deployment %+v", countStopped(plan), countPlaced(plan), plan.Deployment)
	}
	// The store counts the placements it wrote into the deployment.
	if d := h.deploymentOf(job); d.ID != plan.Deployment.ID || d.TaskGroups["web"].PlacedAllocs != 4 {
		t.Fatalf("deployment %s placed %d, want %s with 4", d.ID, d.TaskGroups["web"].PlacedAllocs, plan.Deployment.ID)
	}
}
