//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// rollingMockJob is a mock service job of count 3 replaced one
// allocation at a time, each healthy after running a second.
func rollingMockJob(id, rev string) *api.Job {
	job := mockJob(id, api.JobTypeService, 3, map[string]interface{}{"run_for": "1h"})
	job.TaskGroups[0].Update = &api.UpdateStrategy{
		MaxParallel: 1, HealthCheck: "task_states", MinHealthyTime: time.Second, HealthyDeadline: 30 * time.Second,
	}
	job.TaskGroups[0].Tasks[0].Env = map[string]string{"REV": rev}
	return job
}

// deploymentOf returns the job's newest deployment of version.
func deploymentOf(cl *api.Client, jobID string, version uint64) (*api.Deployment, string) {
	all, _, err := cl.Deployments().List(nil)
	if err != nil {
		return nil, fmt.Sprintf("list deployments: %v", err)
	}
	var found *api.Deployment
	for _, d := range all {
		if d.JobID == jobID && d.JobVersion == version && (found == nil || d.CreateIndex > found.CreateIndex) {
			found = d
		}
	}
	if found == nil {
		return nil, fmt.Sprintf("no deployment of version %d yet among %d", version, len(all))
	}
	return found, ""
}

func describe(d *api.Deployment) string {
	s := fmt.Sprintf("deployment %s of version %d: %s (%s)", d.ID, d.JobVersion, d.Status, d.StatusDescription)
	for name, g := range d.TaskGroups {
		s += fmt.Sprintf("; group %s placed %d healthy %d unhealthy %d of %d", name, g.PlacedAllocs, g.HealthyAllocs, g.UnhealthyAllocs, g.DesiredTotal)
	}
	return s
}

// A destructive update of a service job with update { max_parallel = 1 }
// replaces every allocation one at a time, each once the previous one is
// healthy, and the deployment ends successful with its version stable.
func TestDeploymentRollingUpdateCompletes(t *testing.T) {
	a := startServer(t, "dev", 0, serverOpts{Dev: true})
	cl := a.client(10 * time.Second)
	const id = "rolling"

	if _, _, err := cl.Jobs().Register(rollingMockJob(id, "1"), nil); err != nil {
		t.Fatalf("register version 0: %v", err)
	}
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		d, why := deploymentOf(cl, id, 0)
		if d == nil {
			return false, why
		}
		n := countByStatus(jobAllocs(t, a, id))
		return d.Status == "successful" && n["running"] == 3, fmt.Sprintf("%s; allocations by status %v", describe(d), n)
	})

	start := time.Now()
	if _, _, err := cl.Jobs().Register(rollingMockJob(id, "2"), nil); err != nil {
		t.Fatalf("register version 1: %v", err)
	}
	// Watch the rollout: never more than max_parallel new allocations
	// that are not yet healthy.
	maxInflight := 0
	var final *api.Deployment
	waitFor(t, 90*time.Second, 100*time.Millisecond, func() (bool, string) {
		allocs := jobAllocs(t, a, id)
		inflight, newRunning, oldRunning := 0, 0, 0
		for _, s := range allocs {
			if s.DesiredStatus != "run" {
				continue
			}
			switch {
			case s.JobVersion == 1 && s.ClientStatus == "running":
				newRunning++
			case s.JobVersion == 0 && (s.ClientStatus == "running" || s.ClientStatus == "pending"):
				oldRunning++
			}
			if s.JobVersion == 1 && (s.DeploymentStatus == nil || s.DeploymentStatus.Healthy == nil) {
				inflight++
			}
		}
		maxInflight = max(maxInflight, inflight)
		d, why := deploymentOf(cl, id, 1)
		if d == nil {
			return false, why
		}
		final = d
		done := d.Status == "successful" && newRunning == 3 && oldRunning == 0
		return done, fmt.Sprintf("%s; version 1 running %d, version 0 still to run %d", describe(d), newRunning, oldRunning)
	})
	t.Logf("rolling update of 3 allocations done in %s: %s", time.Since(start).Round(time.Millisecond), describe(final))
	if maxInflight > 1 {
		t.Fatalf("saw %d new allocations not yet healthy at once, want at most max_parallel = 1", maxInflight)
	}
	if g := final.TaskGroups["g"]; g == nil || g.HealthyAllocs != 3 || g.UnhealthyAllocs != 0 {
		t.Fatalf("final %s, want 3 healthy", describe(final))
	}
	versions, _, err := cl.Jobs().Versions(id, false, nil)
	if err != nil {
		t.Fatalf("job versions: %v", err)
	}
	for _, v := range versions.Versions {
		if !v.Stable {
			t.Fatalf("version %d not stable after its successful deployment", v.Version)
		}
	}
}

// A version whose task keeps failing makes its first new allocation
// unhealthy: the deployment fails and, with auto_revert, the job goes
// back to its last stable version, rolled out by a new deployment.
func TestDeploymentUnhealthyAutoReverts(t *testing.T) {
	a := startServer(t, "dev", 0, serverOpts{Dev: true})
	cl := a.client(10 * time.Second)
	const id = "revert"

	good := rollingMockJob(id, "1")
	good.TaskGroups[0].Update.AutoRevert = true
	if _, _, err := cl.Jobs().Register(good, nil); err != nil {
		t.Fatalf("register version 0: %v", err)
	}
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		d, why := deploymentOf(cl, id, 0)
		if d == nil {
			return false, why
		}
		return d.Status == "successful", describe(d)
	})

	bad := rollingMockJob(id, "2")
	bad.TaskGroups[0].Update.AutoRevert = true
	bad.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"run_for": "200ms", "exit_code": 1}
	if _, _, err := cl.Jobs().Register(bad, nil); err != nil {
		t.Fatalf("register version 1: %v", err)
	}
	var failed *api.Deployment
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		d, why := deploymentOf(cl, id, 1)
		if d == nil {
			return false, why
		}
		failed = d
		return d.Status == "failed", describe(d)
	})
	if want := "Failed due to unhealthy allocations - rolling back to job version 0"; failed.StatusDescription != want {
		t.Fatalf("failed deployment says %q, want %q", failed.StatusDescription, want)
	}
	// A failed deployment cannot be failed again.
	if code, body := rawRequest(t, "PUT", a.httpAddr()+"/v1/deployment/fail/"+failed.ID, ""); code != 400 {
		t.Fatalf("PUT /v1/deployment/fail of a failed deployment: %d %s, want 400", code, body)
	}

	// Version 2 is version 0 again, and its deployment replaces the one
	// bad allocation.
	waitFor(t, 90*time.Second, 200*time.Millisecond, func() (bool, string) {
		d, why := deploymentOf(cl, id, 2)
		if d == nil {
			return false, why
		}
		n := map[string]int{}
		for _, s := range jobAllocs(t, a, id) {
			if s.DesiredStatus == "run" && s.ClientStatus == "running" {
				n[fmt.Sprintf("v%d", s.JobVersion)]++
			}
		}
		return d.Status == "successful" && n["v1"] == 0 && n["v0"]+n["v2"] == 3, fmt.Sprintf("%s; running by version %v", describe(d), n)
	})
	job, _, err := cl.Jobs().Info(id, nil)
	if err != nil {
		t.Fatalf("job info: %v", err)
	}
	if job.Version != 2 || job.TaskGroups[0].Tasks[0].Env["REV"] != "1" {
		t.Fatalf("job at version %d with env %v, want version 2 with version 0's env", job.Version, job.TaskGroups[0].Tasks[0].Env)
	}
}
