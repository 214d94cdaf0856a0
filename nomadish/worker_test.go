package nomadish

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestLeaderPausedWorkers(t *testing.T) {
	for n, want := range map[int]int{1: 0, 2: 1, 3: 2, 4: 3, 8: 6} {
		if got := leaderPausedWorkers(n); got != want {
			t.Errorf("leaderPausedWorkers(%d) = %d, want %d", n, got, want)
		}
	}
}

// A worker that pauses on the leader waits while its server leads and
// gives up at shutdown; the others never wait.
func TestWorkerPausesWhileLeading(t *testing.T) {
	s := testServer(t, func(c *Config) { c.NumSchedulers = 1 })
	waitForLeader(t, s)
	w := &worker{srv: s}
	if !w.waitUnlessLeading() {
		t.Fatal("a worker that does not pause waited")
	}
	w.pauseOnLeader = true
	done := make(chan bool, 1)
	go func() { done <- w.waitUnlessLeading() }()
	select {
	case <-done:
		t.Fatal("a paused worker ran on the leader")
	default:
	}
	s.Shutdown()
	select {
	case ran := <-done:
		if ran {
			t.Fatal("a paused worker ran after shutdown")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("paused worker did not notice shutdown")
	}
}

// A worker submits its plan without the job in every allocation; the
// committed allocations get it back from the plan (placements) or from
// the allocation they stop, and the scheduler's own plan is untouched.
func TestWorkerSubmitsPlanWithoutAllocJobs(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	schedRegisterNode(t, s, planNode("n1"))
	job := putJob(t, s, mockJob("web"))
	old := job.Copy()
	old.Version = job.Version + 7
	running := planAlloc("running", "n1", 100)
	running.JobID, running.Job = job.ID, old
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{running}}); err != nil {
		t.Fatal(err)
	}
	const evalID = "55555555-0000-0000-0000-000000000001"
	w := &worker{srv: s, evalToken: dequeueForPlan(t, s, evalID)}

	place := planAlloc("new", "n1", 100)
	place.JobID, place.Job = job.ID, job
	stop := *running
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	plan := &structs.Plan{EvalID: evalID, Priority: 50, Job: job,
		NodeAllocation: map[string][]*structs.Allocation{"n1": {place}},
		NodeUpdate:     map[string][]*structs.Allocation{"n1": {&stop}}}
	sent := planWithoutAllocJobs(plan)
	if sent.NodeAllocation["n1"][0].Job != nil || sent.NodeUpdate["n1"][0].Job != nil {
		t.Fatal("submitted allocations carry their job")
	}
	if result, _, err := w.SubmitPlan(plan); err != nil || result.AllocIndex == 0 {
		t.Fatalf("submit: %v %+v", err, result)
	}
	if place.Job != job || stop.Job != old {
		t.Fatal("the scheduler's allocations lost their job")
	}
	got, _ := s.State().AllocByID(nil, "new")
	if got == nil || got.Job == nil || got.Job.ID != job.ID {
		t.Fatalf("placed allocation = %+v", got)
	}
	got, _ = s.State().AllocByID(nil, "running")
	if got.DesiredStatus != structs.AllocDesiredStatusStop || got.Job == nil || got.Job.Version != old.Version {
		t.Fatalf("stopped allocation: %s, job %+v", got.DesiredStatus, got.Job)
	}
}
