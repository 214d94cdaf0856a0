package allocrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/nomadish/structs"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func running(restarts uint64) *structs.TaskState {
	return &structs.TaskState{State: structs.TaskStateRunning, Restarts: restarts}
}

func TestHealthJudge(t *testing.T) {
	u := &structs.UpdateStrategy{MaxParallel: 1, MinHealthyTime: 10 * time.Second, HealthyDeadline: time.Minute}
	pending := &structs.TaskState{State: structs.TaskStatePending}
	type obs struct {
		at     time.Duration
		states map[string]*structs.TaskState
	}
	cases := []struct {
		name    string
		obs     []obs
		decided bool
		healthy bool
		wakeAt  time.Duration // of the last observation, when undecided
	}{
		{
			name: "healthy after min_healthy_time",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": pending}},
				{2 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
				{12 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
			},
			decided: true, healthy: true,
		},
		{
			name: "not yet: waits for min_healthy_time",
			obs: []obs{
				{2 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
				{11 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
			},
			wakeAt: 12 * time.Second,
		},
		{
			name: "waits for every tracked task",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": running(0), "side": pending}},
				{30 * time.Second, map[string]*structs.TaskState{"web": running(0), "side": pending}},
			},
			wakeAt: time.Minute,
		},
		{
			name: "a stretch broken by a task leaving running starts over",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": running(0)}},
				{5 * time.Second, map[string]*structs.TaskState{"web": pending}},
				{8 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
				{15 * time.Second, map[string]*structs.TaskState{"web": running(0)}},
			},
			wakeAt: 18 * time.Second,
		},
		{
			name: "a restart is unhealthy",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": running(0)}},
				{5 * time.Second, map[string]*structs.TaskState{"web": running(1)}},
			},
			decided: true,
		},
		{
			name: "a failure is unhealthy",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": {State: structs.TaskStateDead, Failed: true}}},
			},
			decided: true,
		},
		{
			name: "healthy_deadline passes first",
			obs: []obs{
				{0, map[string]*structs.TaskState{"web": pending}},
				{time.Minute, map[string]*structs.TaskState{"web": pending}},
			},
			decided: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tracked := []string{"web"}
			if _, ok := tc.obs[0].states["side"]; ok {
				tracked = append(tracked, "side")
			}
			j := newHealthJudge(tracked, u, map[string]*structs.TaskState{}, t0, nil)
			var v healthVerdict
			for i, o := range tc.obs {
				v = j.observe(o.states, t0.Add(o.at))
				if v.decided && i != len(tc.obs)-1 {
					t.Fatalf("decided at observation %d: %+v", i, v)
				}
			}
			if v.decided != tc.decided || v.healthy != tc.healthy {
				t.Fatalf("verdict %+v, want decided=%v healthy=%v", v, tc.decided, tc.healthy)
			}
			if !tc.decided && !v.wakeAt.Equal(t0.Add(tc.wakeAt)) {
				t.Fatalf("wake at %s, want %s", v.wakeAt.Sub(t0), tc.wakeAt)
			}
		})
	}
}

func TestHealthJudgeRestartsBeforeWatchingDoNotCount(t *testing.T) {
	u := &structs.UpdateStrategy{MinHealthyTime: time.Second}
	j := newHealthJudge([]string{"web"}, u, map[string]*structs.TaskState{"web": running(2)}, t0, nil)
	if v := j.observe(map[string]*structs.TaskState{"web": running(2)}, t0); v.decided {
		t.Fatalf("restarts before the watch began judged: %+v", v)
	}
	if v := j.observe(map[string]*structs.TaskState{"web": running(2)}, t0.Add(time.Second)); !v.decided || !v.healthy {
		t.Fatalf("verdict %+v, want healthy", v)
	}
}

func TestHealthStrategy(t *testing.T) {
	tg := &structs.TaskGroup{Name: "web", Update: &structs.UpdateStrategy{MaxParallel: 1, HealthCheck: healthCheckChecks}}
	yes := true
	for _, tc := range []struct {
		name  string
		alloc *structs.Allocation
		tg    *structs.TaskGroup
		want  bool
	}{
		{"in a deployment", &structs.Allocation{DeploymentID: "d1"}, tg, true},
		{"no deployment", &structs.Allocation{}, tg, false},
		{"no update block", &structs.Allocation{DeploymentID: "d1"}, &structs.TaskGroup{Name: "web"}, false},
		{"already decided", &structs.Allocation{DeploymentID: "d1", DeploymentStatus: &structs.AllocDeploymentStatus{Healthy: &yes}}, tg, false},
		{"manual", &structs.Allocation{DeploymentID: "d1"}, &structs.TaskGroup{Update: &structs.UpdateStrategy{HealthCheck: healthCheckManual}}, false},
	} {
		if got := healthStrategy(tc.alloc, tc.tg) != nil; got != tc.want {
			t.Errorf("%s: tracked %v, want %v", tc.name, got, tc.want)
		}
	}
}

// deploymentAlloc is testAlloc placed by deployment d1 with an update
// block of min_healthy_time 10s and healthy_deadline 1m.
func deploymentAlloc(tasks ...*structs.Task) *structs.Allocation {
	a := testAlloc(structs.JobTypeService, tasks...)
	a.DeploymentID = "d1"
	a.Job.TaskGroups[0].Update = &structs.UpdateStrategy{
		MaxParallel: 1, HealthCheck: healthCheckTaskStates, MinHealthyTime: 10 * time.Second, HealthyDeadline: time.Minute,
	}
	return a
}

func reportedHealth(h *harness) *structs.AllocDeploymentStatus {
	if a := h.lastUpdate(); a != nil {
		return a.DeploymentStatus
	}
	return nil
}

func healthDecided(h *harness) func() bool {
	return func() bool {
		ds := reportedHealth(h)
		return ds != nil && ds.Healthy != nil
	}
}

func TestAllocHealthyAfterMinHealthyTime(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	ar := h.start(deploymentAlloc(
		mockTask("web", map[string]interface{}{"run_for": "30s"}),
		withLifecycle(mockTask("side", map[string]interface{}{"run_for": "1h"}), structs.TaskLifecycleHookPrestart, true),
		withLifecycle(mockTask("init", map[string]interface{}{"run_for": "2s"}), structs.TaskLifecycleHookPrestart, false),
	))
	h.pump(time.Second, "health is reported", healthDecided(h))
	ds := reportedHealth(h)
	if !*ds.Healthy {
		t.Fatalf("health %+v, want healthy", ds)
	}
	// web runs only after init's 2s, then must run 10s.
	if ds.Timestamp.Before(start.Add(12*time.Second)) || ds.Timestamp.After(h.clock.Now()) {
		t.Fatalf("healthy at +%s, before init finished plus min_healthy_time", ds.Timestamp.Sub(start))
	}
	if ar.Alloc().DeploymentStatus == nil {
		t.Fatal("the runner's allocation does not carry the verdict")
	}
	// web exits at 30s and is restarted: the verdict stays.
	h.pump(time.Second, "web restarts", func() bool { return taskState(ar, "web").Restarts == 1 })
	waitFor(t, "a report after the restart", func() bool { return h.lastUpdate().TaskStates["web"].Restarts == 1 })
	if ds := reportedHealth(h); ds == nil || !*ds.Healthy {
		t.Fatalf("health after a restart %+v, want it kept healthy", ds)
	}
}

func TestAllocUnhealthyWhenTaskRestarts(t *testing.T) {
	h := newHarness(t)
	h.start(deploymentAlloc(mockTask("web", map[string]interface{}{"run_for": "3s", "exit_code": 1})))
	h.pump(time.Second, "health is reported", healthDecided(h))
	if ds := reportedHealth(h); *ds.Healthy {
		t.Fatalf("health %+v, want unhealthy: the task restarted within min_healthy_time", ds)
	}
}

func TestAllocUnhealthyAtHealthyDeadline(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	// The prestart task holds the main task back past the deadline.
	h.start(deploymentAlloc(
		mockTask("web", map[string]interface{}{"run_for": "1h"}),
		withLifecycle(mockTask("init", map[string]interface{}{"run_for": "2m"}), structs.TaskLifecycleHookPrestart, false),
	))
	// init's run_for and the health deadline are armed at the start.
	waitFor(t, "the timers are armed", func() bool { return h.clock.Armed() == 2 })
	h.pump(time.Second, "health is reported", healthDecided(h))
	ds := reportedHealth(h)
	if *ds.Healthy {
		t.Fatalf("health %+v, want unhealthy", ds)
	}
	if at := ds.Timestamp.Sub(start); at != time.Minute {
		t.Fatalf("unhealthy at +%s, want at the 1m healthy_deadline", at)
	}
}

func TestAllocOutsideDeploymentHasNoHealth(t *testing.T) {
	h := newHarness(t)
	a := deploymentAlloc(mockTask("web", map[string]interface{}{"run_for": "1h"}))
	a.DeploymentID = ""
	ar := h.start(a)
	h.pump(time.Second, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))
	h.pump(time.Second, "two minutes", func() bool { return h.clock.Now().Sub(t0) > 2*time.Minute })
	if ds := reportedHealth(h); ds != nil {
		t.Fatalf("health %+v for an allocation outside a deployment", ds)
	}
}

// checkAlloc is deploymentAlloc judged by checks, whose web task has one
// script check that exits with code (through the mock driver's exec).
func checkAlloc(code string) *structs.Allocation {
	web := mockTask("web", map[string]interface{}{"run_for": "1h"})
	web.Services = []*structs.Service{{Name: "web", Checks: []*structs.ServiceCheck{{
		Name: "alive", Type: "script", Command: "exit", Args: []string{code},
		Interval: 5 * time.Second, Timeout: time.Second,
	}}}}
	a := deploymentAlloc(web)
	a.Job.TaskGroups[0].Update.HealthCheck = healthCheckChecks
	return a
}

func TestHealthJudgeWaitsForChecks(t *testing.T) {
	u := &structs.UpdateStrategy{MinHealthyTime: 10 * time.Second, HealthyDeadline: time.Minute}
	health := checks.HealthPending
	j := newHealthJudge([]string{"web"}, u, map[string]*structs.TaskState{}, t0, func() string { return health })
	run := map[string]*structs.TaskState{"web": running(0)}
	if v := j.observe(run, t0); v.decided || !v.wakeAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("pending checks: %+v, want undecided until the deadline", v)
	}
	health = checks.HealthPassing
	if v := j.observe(run, t0.Add(5*time.Second)); v.decided || !v.wakeAt.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("checks passing from +5s: %+v, want a wake at +15s", v)
	}
	// A check turning critical breaks the stretch.
	health = checks.HealthCritical
	if v := j.observe(run, t0.Add(10*time.Second)); v.decided {
		t.Fatalf("critical checks: %+v", v)
	}
	health = checks.HealthPassing
	j.observe(run, t0.Add(20*time.Second))
	v := j.observe(run, t0.Add(30*time.Second))
	if !v.decided || !v.healthy || !v.at.Equal(t0.Add(30*time.Second)) || !strings.Contains(v.reason, "checks passing") {
		t.Fatalf("verdict %+v, want healthy at +30s (passing again from +20s)", v)
	}

	j = newHealthJudge([]string{"web"}, u, map[string]*structs.TaskState{}, t0, func() string { return checks.HealthCritical })
	v = j.observe(run, t0.Add(time.Minute))
	if !v.decided || v.healthy || v.reason != "healthy_deadline passed with the checks critical" {
		t.Fatalf("verdict %+v, want unhealthy at the deadline, naming the checks", v)
	}
}

func TestAllocHealthyWhenChecksPass(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	h.start(checkAlloc("0"))
	h.pump(time.Second, "health is reported", healthDecided(h))
	ds := reportedHealth(h)
	if !*ds.Healthy {
		t.Fatalf("health %+v, want healthy", ds)
	}
	if ds.Timestamp.Before(start.Add(10 * time.Second)) {
		t.Fatalf("healthy at +%s, before min_healthy_time", ds.Timestamp.Sub(start))
	}
}

func TestAllocUnhealthyWhenChecksFail(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	h.start(checkAlloc("1"))
	h.pump(time.Second, "health is reported", healthDecided(h))
	ds := reportedHealth(h)
	if *ds.Healthy {
		t.Fatalf("health %+v, want unhealthy: the check never passed", ds)
	}
	// The deadline counts from when the watch began, a pump or two after
	// start.
	if at := ds.Timestamp.Sub(start); at < time.Minute || ds.Timestamp.After(h.clock.Now()) {
		t.Fatalf("unhealthy at +%s, want at the 1m healthy_deadline", at)
	}
}

// task_states ignores the checks, as Nomad documents.
func TestAllocTaskStatesIgnoresChecks(t *testing.T) {
	h := newHarness(t)
	a := checkAlloc("1")
	a.Job.TaskGroups[0].Update.HealthCheck = healthCheckTaskStates
	h.start(a)
	h.pump(time.Second, "health is reported", healthDecided(h))
	if ds := reportedHealth(h); !*ds.Healthy {
		t.Fatalf("health %+v, want healthy: task_states does not look at checks", ds)
	}
}
