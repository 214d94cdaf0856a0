package allocrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func withLifecycle(t *structs.Task, hook string, sidecar bool) *structs.Task {
	t.Lifecycle = &structs.TaskLifecycleConfig{Hook: hook, Sidecar: sidecar}
	return t
}

func TestLifecycleOrdering(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch,
		withLifecycle(mockTask("cleanup", map[string]interface{}{"run_for": "0s"}), structs.TaskLifecycleHookPoststop, false),
		mockTask("main", map[string]interface{}{"run_for": "10s"}),
		withLifecycle(mockTask("post", map[string]interface{}{"run_for": "0s"}), structs.TaskLifecycleHookPoststart, false),
		withLifecycle(mockTask("init", map[string]interface{}{"run_for": "5s"}), structs.TaskLifecycleHookPrestart, false),
		withLifecycle(mockTask("side", map[string]interface{}{"run_for": "1h"}), structs.TaskLifecycleHookPrestart, true),
	)
	ar := h.start(alloc)
	waitFor(t, "prestart tasks run", func() bool { return len(h.driver.started()) == 2 })
	if st := taskState(ar, "main"); st.State != structs.TaskStatePending {
		t.Fatalf("main %q while init runs, want pending", st.State)
	}
	h.pump(time.Second, "the alloc completes", clientStatusIs(ar, structs.AllocClientStatusComplete))

	got := h.driver.started()
	if len(got) != 5 {
		t.Fatalf("started %q, want 5 starts", got)
	}
	first := map[string]bool{got[0]: true, got[1]: true}
	if !first["init"] || !first["side"] || got[2] != "main" || got[3] != "post" || got[4] != "cleanup" {
		t.Fatalf("start order %q, want init+side, main, post, cleanup", got)
	}
	side := taskState(ar, "side")
	if findEvent(side, taskrunner.EventMainDead) == nil || side.Failed {
		t.Fatalf("sidecar events %q, want it killed once main died", events(side))
	}
	a := ar.Alloc()
	for name, st := range a.TaskStates {
		if st.State != structs.TaskStateDead || st.Failed {
			t.Fatalf("task %s: %+v, want dead and not failed", name, st)
		}
	}
	init := a.TaskStates["init"]
	main := a.TaskStates["main"]
	if main.StartedAt.Before(init.FinishedAt) {
		t.Fatalf("main started %s before init finished %s", main.StartedAt, init.FinishedAt)
	}
	cleanup := a.TaskStates["cleanup"]
	if cleanup.StartedAt.Before(main.FinishedAt) || cleanup.StartedAt.Before(side.FinishedAt) {
		t.Fatal("poststop started before the main task and sidecar were dead")
	}
}

func TestFailedPrestartFailsAllocButRunsPoststop(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeBatch,
		withLifecycle(mockTask("init", map[string]interface{}{"run_for": "0s", "exit_code": 1}), structs.TaskLifecycleHookPrestart, false),
		mockTask("main", map[string]interface{}{"run_for": "10s"}),
		withLifecycle(mockTask("cleanup", map[string]interface{}{"run_for": "0s"}), structs.TaskLifecycleHookPoststop, false),
	)
	alloc.Job.TaskGroups[0].RestartPolicy.Attempts = 0
	ar := h.start(alloc)
	waitFor(t, "cleanup ran", stateIs(ar, "cleanup", structs.TaskStateDead))
	if got := h.driver.started(); strings.Join(got, ",") != "init,cleanup" {
		t.Fatalf("started %q, want init then cleanup only", got)
	}
	main := taskState(ar, "main")
	if main.State != structs.TaskStateDead || findEvent(main, taskrunner.EventSiblingFailed) == nil {
		t.Fatalf("main %+v events %q, want dead with Sibling Task Failed", main, events(main))
	}
	if s := ar.Alloc().ClientStatus; s != structs.AllocClientStatusFailed {
		t.Fatalf("client status %q, want failed", s)
	}
}

func TestFailedMainKillsSiblings(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService,
		mockTask("bad", map[string]interface{}{"run_for": "0s", "exit_code": 1}),
		mockTask("good", map[string]interface{}{"run_for": "1h"}),
	)
	alloc.Job.TaskGroups[0].RestartPolicy.Attempts = 0
	ar := h.start(alloc)
	waitFor(t, "alloc done", func() bool {
		select {
		case <-ar.WaitCh():
			return true
		default:
			return false
		}
	})
	good := taskState(ar, "good")
	ev := findEvent(good, taskrunner.EventSiblingFailed)
	if ev == nil || ev.Details["failed_sibling"] != "bad" || findEvent(good, taskrunner.EventKilled) == nil {
		t.Fatalf("good events %q, want Sibling Task Failed then Killed", events(good))
	}
	if good.Failed {
		t.Fatal("the killed sibling is marked failed")
	}
	if s := ar.Alloc().ClientStatus; s != structs.AllocClientStatusFailed {
		t.Fatalf("client status %q, want failed", s)
	}
}

func TestLeaderDeathKillsFollowers(t *testing.T) {
	h := newHarness(t)
	leader := mockTask("leader", map[string]interface{}{"run_for": "5s"})
	leader.Leader = true
	alloc := testAlloc(structs.JobTypeBatch, leader, mockTask("follower", map[string]interface{}{"run_for": "1h"}))
	ar := h.start(alloc)
	h.pump(time.Second, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	f := taskState(ar, "follower")
	if findEvent(f, taskrunner.EventLeaderDead) == nil || findEvent(f, taskrunner.EventKilled) == nil {
		t.Fatalf("follower events %q, want Leader Task Dead and Killed", events(f))
	}
}

func TestDesiredStopBeforeRunStartsNothing(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{"run_for": "1h"}))
	alloc.DesiredStatus = structs.AllocDesiredStatusStop
	ar := h.start(alloc)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	if got := h.driver.started(); len(got) != 0 {
		t.Fatalf("started %q for a stopped alloc", got)
	}
}

func TestServiceEphemeralPrestartIsNotRestarted(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService,
		withLifecycle(mockTask("init", map[string]interface{}{"run_for": "0s"}), structs.TaskLifecycleHookPrestart, false),
		mockTask("web", map[string]interface{}{"run_for": "1h"}),
	)
	ar := h.start(alloc)
	waitFor(t, "running", stateIs(ar, "web", structs.TaskStateRunning))
	init := taskState(ar, "init")
	if init.State != structs.TaskStateDead || init.Failed || init.Restarts != 0 {
		t.Fatalf("init %+v, want dead after one successful run", init)
	}
	if s := ar.Alloc().ClientStatus; s != structs.AllocClientStatusRunning {
		t.Fatalf("client status %q, want running", s)
	}
}

func TestSidecarWaitsForMainsThenPoststartRuns(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService,
		withLifecycle(mockTask("proxy", map[string]interface{}{"run_for": "1h"}), structs.TaskLifecycleHookPrestart, true),
		mockTask("web", map[string]interface{}{"run_for": "1h"}),
		withLifecycle(mockTask("register", map[string]interface{}{"run_for": "1h"}), structs.TaskLifecycleHookPoststart, true),
	)
	ar := h.start(alloc)
	waitFor(t, "all running", func() bool {
		a := ar.Alloc()
		for _, st := range a.TaskStates {
			if st.State != structs.TaskStateRunning {
				return false
			}
		}
		return true
	})
	if got := h.driver.started(); strings.Join(got, ",") != "proxy,web,register" {
		t.Fatalf("start order %q", got)
	}
	stop := *alloc
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	ar.Update(&stop)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
}

func TestFailedTaskKillsManySiblings(t *testing.T) {
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService,
		mockTask("bad", map[string]interface{}{"run_for": "0s", "exit_code": 1}),
		mockTask("a", map[string]interface{}{"run_for": "1h"}),
		mockTask("b", map[string]interface{}{"run_for": "1h"}),
		mockTask("c", map[string]interface{}{"run_for": "1h"}),
	)
	alloc.Job.TaskGroups[0].RestartPolicy.Attempts = 0
	ar := h.start(alloc)
	<-ar.WaitCh()
	for _, n := range []string{"a", "b", "c"} {
		if findEvent(taskState(ar, n), taskrunner.EventSiblingFailed) == nil {
			t.Fatalf("%s events %q", n, events(taskState(ar, n)))
		}
	}
}
