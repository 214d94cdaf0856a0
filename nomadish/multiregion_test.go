package nomadish

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// mrRegion is one single-server region of a multiregion test, on a fake
// clock, whose workers take only sysbatch evaluations: the service
// evaluations the test's registrations create stay pending, and the
// deployments are the test's to set.
type mrRegion struct {
	name  string
	srv   *Server
	clock *fakeClock
}

// multiregionServers starts regions named names, federated over the WAN
// pool.
func multiregionServers(t *testing.T, names ...string) []*mrRegion {
	t.Helper()
	var out []*mrRegion
	for _, n := range names {
		clock := newFakeClock(time.Unix(1_700_000_000, 0))
		s := testServer(t, func(c *Config) {
			c.Region = n
			c.Clock = clock
			c.NumSchedulers = 1
			c.EnabledSchedulers = []string{structs.JobTypeSysBatch}
			c.RegionForwardTimeout = 2 * time.Second
		})
		waitForLeader(t, s)
		// Joined to every region before it, so that the pool does not
		// wait on gossip to spread (slow on a loaded machine).
		var addrs []string
		for _, r := range out {
			addrs = append(addrs, wanAddr(r.srv))
		}
		if len(addrs) > 0 {
			if _, err := s.JoinWAN(addrs); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, &mrRegion{name: n, srv: s, clock: clock})
	}
	want := slices.Clone(names)
	slices.Sort(want)
	waitFor(t, 60*time.Second, func() error {
		for _, r := range out {
			if got := r.srv.Regions(); !slices.Equal(got, want) {
				return fmt.Errorf("%s sees regions %v", r.name, got)
			}
		}
		return nil
	})
	return out
}

// mrJob is a service job of one group of count 0 rolled one at a time,
// deployed to regions in order with strategy.
func mrJob(id string, strategy *structs.MultiregionStrategy, regions ...*structs.MultiregionRegion) *structs.Job {
	j := mockJob(id)
	j.TaskGroups[0].Count = 0
	j.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 1, HealthCheck: "task_states", MinHealthyTime: time.Second, HealthyDeadline: time.Minute}
	j.Meta = map[string]string{"k": "job", "other": "job"}
	j.Multiregion = &structs.Multiregion{Strategy: strategy, Regions: regions}
	return j
}

// putDeployment stores a multiregion deployment of the region's copy of
// job with status.
func (r *mrRegion) putDeployment(t *testing.T, jobID, status string) *structs.Deployment {
	t.Helper()
	job, err := r.srv.State().JobByID(nil, structs.DefaultNamespace, jobID)
	if err != nil || job == nil {
		t.Fatalf("%s: job %s: %v", r.name, jobID, err)
	}
	d := &structs.Deployment{ID: fmt.Sprintf("dep-%s-%s", r.name, jobID), Namespace: job.Namespace, JobID: job.ID,
		JobVersion: job.Version, JobCreateIndex: job.CreateIndex, JobModifyIndex: job.ModifyIndex, IsMultiregion: true,
		Status: status, TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3}}}
	if _, _, err := r.srv.raftApply(structs.DeploymentUpsertRequestType, &structs.DeploymentUpsertRequest{Deployment: d}); err != nil {
		t.Fatal(err)
	}
	return d
}

// setStatus writes a deployment's status, as the region's own watcher
// or an operator would.
func (r *mrRegion) setStatus(t *testing.T, id, status string) {
	t.Helper()
	req := &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{{DeploymentID: id, Status: status, StatusDescription: "set by the test"}}}
	if _, _, err := r.srv.raftApply(structs.DeploymentProgressRequestType, req); err != nil {
		t.Fatal(err)
	}
}

func (r *mrRegion) deployment(t *testing.T, id string) *structs.Deployment {
	t.Helper()
	d, err := r.srv.State().DeploymentByID(nil, id)
	if err != nil || d == nil {
		t.Fatalf("%s: deployment %s: %v", r.name, id, err)
	}
	return d
}

// expect advances every region's clock a poll at a time until the
// deployment of each region named has the status wanted (and, when
// given, a description holding desc).
func expect(t *testing.T, regions []*mrRegion, want map[string]string, ids map[string]string, desc map[string]string) {
	t.Helper()
	waitFor(t, 60*time.Second, func() error {
		for _, r := range regions {
			r.clock.Advance(multiregionPoll)
		}
		for _, r := range regions {
			w, ok := want[r.name]
			if !ok {
				continue
			}
			d, _ := r.srv.State().DeploymentByID(nil, ids[r.name])
			if d == nil || d.Status != w || !strings.Contains(d.StatusDescription, desc[r.name]) {
				return fmt.Errorf("region %s: deployment %+v; want %s with %q", r.name, d, w, desc[r.name])
			}
		}
		return nil
	})
}

func TestMultiregionRegisterFansOut(t *testing.T) {
	rs := multiregionServers(t, "a", "b", "c")
	a := rs[0].srv
	job := mrJob("mr", &structs.MultiregionStrategy{MaxParallel: 1},
		&structs.MultiregionRegion{Name: "a", Count: 2, Datacenters: []string{"dc-a"}},
		&structs.MultiregionRegion{Name: "b", Count: 3, Meta: map[string]string{"k": "b"}},
		&structs.MultiregionRegion{Name: "c"})
	var resp structs.JobRegisterResponse
	if err := a.RPC("Job.Register", &structs.JobRegisterRequest{Job: job.Copy(), WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
		t.Fatal(err)
	}
	var rollout string
	for _, r := range rs {
		got, err := r.srv.State().JobByID(nil, structs.DefaultNamespace, "mr")
		if err != nil || got == nil {
			t.Fatalf("region %s has no copy: %v", r.name, err)
		}
		if got.Region != r.name || got.MultiregionRollout == "" || rollout != "" && got.MultiregionRollout != rollout {
			t.Fatalf("region %s copy: region %q rollout %q (others %q)", r.name, got.Region, got.MultiregionRollout, rollout)
		}
		rollout = got.MultiregionRollout
		count, dcs, meta := got.TaskGroups[0].Count, got.Datacenters, got.Meta
		switch r.name {
		case "a":
			if count != 2 || !slices.Equal(dcs, []string{"dc-a"}) || meta["k"] != "job" {
				t.Errorf("a's copy: count %d, datacenters %v, meta %v", count, dcs, meta)
			}
		case "b":
			if count != 3 || !slices.Equal(dcs, []string{"dc1"}) || meta["k"] != "b" || meta["other"] != "job" {
				t.Errorf("b's copy: count %d, datacenters %v, meta %v", count, dcs, meta)
			}
		case "c":
			if count != 0 {
				t.Errorf("c's copy: count %d; want the group's own 0", count)
			}
		}
	}

	// The same submission again changes nothing anywhere.
	before, _ := rs[1].srv.State().JobByID(nil, structs.DefaultNamespace, "mr")
	if err := a.RPC("Job.Register", &structs.JobRegisterRequest{Job: job.Copy(), WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
		t.Fatal(err)
	}
	after, _ := rs[1].srv.State().JobByID(nil, structs.DefaultNamespace, "mr")
	if after.Version != before.Version || after.MultiregionRollout != before.MultiregionRollout {
		t.Fatalf("an identical resubmission made b's copy version %d (was %d), rollout %q (was %q)", after.Version, before.Version, after.MultiregionRollout, before.MultiregionRollout)
	}

	// Stopped everywhere at once.
	var dresp structs.JobDeregisterResponse
	if err := a.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "mr", Global: true, WriteRequest: structs.WriteRequest{Region: "a"}}, &dresp); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if got, _ := r.srv.State().JobByID(nil, structs.DefaultNamespace, "mr"); got == nil || !got.Stop {
			t.Errorf("region %s: job not stopped by a global stop: %+v", r.name, got)
		}
	}

	// A region nobody knows is refused before anything is written.
	bad := mrJob("mr-bad", nil, &structs.MultiregionRegion{Name: "a"}, &structs.MultiregionRegion{Name: "mars"})
	err := a.RPC("Job.Register", &structs.JobRegisterRequest{Job: bad, WriteRequest: structs.WriteRequest{Region: "a"}}, &resp)
	if err == nil || !strings.Contains(err.Error(), `Multiregion.Regions[1].Name: unknown region "mars"; known regions: a, b, c`) {
		t.Fatalf("unknown region: %v", err)
	}
	if got, _ := a.State().JobByID(nil, structs.DefaultNamespace, "mr-bad"); got != nil {
		t.Fatal("a job naming an unknown region was stored")
	}
}

// max_parallel = 1: each region runs once the one before it is complete
// (blocked); when the last is complete, every region is successful.
func TestMultiregionDeploysRegionByRegion(t *testing.T) {
	rs := multiregionServers(t, "a", "b", "c")
	job := mrJob("seq", &structs.MultiregionStrategy{MaxParallel: 1},
		&structs.MultiregionRegion{Name: "a", Count: 1}, &structs.MultiregionRegion{Name: "b", Count: 1}, &structs.MultiregionRegion{Name: "c", Count: 1})
	var resp structs.JobRegisterResponse
	if err := rs[0].srv.RPC("Job.Register", &structs.JobRegisterRequest{Job: job, WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	ids["a"] = rs[0].putDeployment(t, "seq", structs.DeploymentStatusPending).ID
	ids["b"] = rs[1].putDeployment(t, "seq", structs.DeploymentStatusPending).ID
	ids["c"] = rs[2].putDeployment(t, "seq", structs.DeploymentStatusPending).ID

	expect(t, rs, map[string]string{"a": "running", "b": "pending", "c": "pending"}, ids,
		map[string]string{"b": `waiting for region "a" (running)`, "c": `waiting for region "a" (running), region "b" (pending)`})
	rs[0].setStatus(t, ids["a"], structs.DeploymentStatusBlocked)
	expect(t, rs, map[string]string{"a": "blocked", "b": "running", "c": "pending"}, ids,
		map[string]string{"a": `waiting for region "b" (running), region "c" (pending)`, "c": `waiting for region "b" (running)`})
	// Going running came with an evaluation for the scheduler.
	evals, _ := rs[1].srv.State().EvalsByJob(nil, structs.DefaultNamespace, "seq")
	if !slices.ContainsFunc(evals, func(e *structs.Evaluation) bool { return e.DeploymentID == ids["b"] }) {
		t.Errorf("b went running without an evaluation of its deployment: %d evaluations", len(evals))
	}
	rs[1].setStatus(t, ids["b"], structs.DeploymentStatusBlocked)
	expect(t, rs, map[string]string{"b": "blocked", "c": "running"}, ids, nil)
	rs[2].setStatus(t, ids["c"], structs.DeploymentStatusBlocked)
	expect(t, rs, map[string]string{"a": "successful", "b": "successful", "c": "successful"}, ids,
		map[string]string{"a": structs.DeploymentDescMultiregionDone})
	for _, r := range rs {
		if job, _ := r.srv.State().JobByID(nil, structs.DefaultNamespace, "seq"); !job.Stable {
			t.Errorf("region %s: the job version is not marked stable", r.name)
		}
	}
}

// on_failure: by default the failed region and those after it fail;
// fail_all fails every region not yet successful; fail_local fails only
// the region and lets the next ones go on.
func TestMultiregionOnFailure(t *testing.T) {
	rs := multiregionServers(t, "a", "b", "c")
	register := func(id, onFailure string, maxParallel int) map[string]string {
		job := mrJob(id, &structs.MultiregionStrategy{MaxParallel: maxParallel, OnFailure: onFailure},
			&structs.MultiregionRegion{Name: "a", Count: 1}, &structs.MultiregionRegion{Name: "b", Count: 1}, &structs.MultiregionRegion{Name: "c", Count: 1})
		var resp structs.JobRegisterResponse
		if err := rs[0].srv.RPC("Job.Register", &structs.JobRegisterRequest{Job: job, WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
			t.Fatal(err)
		}
		return map[string]string{
			"a": rs[0].putDeployment(t, id, structs.DeploymentStatusRunning).ID,
			"b": rs[1].putDeployment(t, id, structs.DeploymentStatusRunning).ID,
			"c": rs[2].putDeployment(t, id, structs.DeploymentStatusRunning).ID,
		}
	}

	ids := register("dflt", "", 0)
	rs[1].setStatus(t, ids["b"], structs.DeploymentStatusFailed)
	expect(t, rs, map[string]string{"a": "running", "c": "failed"}, ids, map[string]string{"c": `the deployment of region "b" failed`})

	ids = register("all", structs.MultiregionOnFailureAll, 0)
	rs[2].setStatus(t, ids["c"], structs.DeploymentStatusFailed)
	expect(t, rs, map[string]string{"a": "failed", "b": "failed"}, ids, map[string]string{"a": `on_failure = "fail_all"`})

	// fail_local, one at a time: a fails, b still gets its turn.
	job := mrJob("local", &structs.MultiregionStrategy{MaxParallel: 1, OnFailure: structs.MultiregionOnFailureLocal},
		&structs.MultiregionRegion{Name: "a", Count: 1}, &structs.MultiregionRegion{Name: "b", Count: 1})
	var resp structs.JobRegisterResponse
	if err := rs[0].srv.RPC("Job.Register", &structs.JobRegisterRequest{Job: job, WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
		t.Fatal(err)
	}
	ids = map[string]string{"a": rs[0].putDeployment(t, "local", structs.DeploymentStatusFailed).ID,
		"b": rs[1].putDeployment(t, "local", structs.DeploymentStatusPending).ID}
	expect(t, rs, map[string]string{"b": "running"}, ids, nil)
	rs[1].setStatus(t, ids["b"], structs.DeploymentStatusBlocked)
	expect(t, rs, map[string]string{"b": "blocked"}, ids, map[string]string{"b": `region "a" (failed)`})

	// Unblocked by hand.
	var uresp structs.DeploymentUpdateResponse
	if err := rs[1].srv.RPC("Deployment.Unblock", &structs.DeploymentFailRequest{DeploymentID: ids["b"], WriteRequest: structs.WriteRequest{Region: "b"}}, &uresp); err != nil {
		t.Fatal(err)
	}
	if d := rs[1].deployment(t, ids["b"]); d.Status != structs.DeploymentStatusSuccessful {
		t.Fatalf("unblocked deployment is %s", d.Status)
	}
	err := rs[1].srv.RPC("Deployment.Unblock", &structs.DeploymentFailRequest{DeploymentID: ids["b"], WriteRequest: structs.WriteRequest{Region: "b"}}, &uresp)
	if err == nil || !strings.Contains(err.Error(), "is successful") {
		t.Fatalf("unblocking a successful deployment: %v", err)
	}
}

// A region that cannot be reached holds the regions waiting on it, with
// the reason; the others go on deciding without it.
func TestMultiregionUnreachableRegionHolds(t *testing.T) {
	rs := multiregionServers(t, "a", "b")
	job := mrJob("cut", &structs.MultiregionStrategy{MaxParallel: 1}, &structs.MultiregionRegion{Name: "a", Count: 1}, &structs.MultiregionRegion{Name: "b", Count: 1})
	var resp structs.JobRegisterResponse
	if err := rs[0].srv.RPC("Job.Register", &structs.JobRegisterRequest{Job: job, WriteRequest: structs.WriteRequest{Region: "a"}}, &resp); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"a": rs[0].putDeployment(t, "cut", structs.DeploymentStatusBlocked).ID}
	rs[1].srv.Shutdown()
	expect(t, rs[:1], map[string]string{"a": "blocked"}, ids, map[string]string{"a": `region "b", which cannot be reached`})
}
