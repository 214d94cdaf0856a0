package nomadish

import (
	"fmt"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// pacedJob is a service job of count 6 migrating two at a time.
func pacedJob(id string) *structs.Job {
	j := mockJob(id)
	j.TaskGroups[0].Count = 6
	j.TaskGroups[0].Migrate = &structs.MigrateStrategy{MaxParallel: 2, HealthCheck: "task_states",
		MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute}
	return j
}

// putAllocs places count running allocations of job's first group on
// node, named by index.
func putAllocs(t *testing.T, s *Server, job *structs.Job, nodeID string, count int) {
	t.Helper()
	tg := job.TaskGroups[0].Name
	var allocs []*structs.Allocation
	for i := 0; i < count; i++ {
		allocs = append(allocs, &structs.Allocation{ID: fmt.Sprintf("%s-%d", job.ID, i), EvalID: "eval-setup", Namespace: job.Namespace,
			JobID: job.ID, Job: job, TaskGroup: tg, Name: structs.AllocName(job.ID, tg, uint(i)), NodeID: nodeID,
			DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusRunning})
	}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: allocs}); err != nil {
		t.Fatal(err)
	}
}

// markedAllocs returns the job's allocations marked for migration that
// the scheduler has not stopped yet.
func markedAllocs(t *testing.T, s *Server, job *structs.Job) []*structs.Allocation {
	t.Helper()
	allocs, err := s.State().AllocsByJob(nil, job.Namespace, job.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []*structs.Allocation
	for _, a := range allocs {
		if a.DesiredTransition.Migrate && !a.TerminalStatus() {
			out = append(out, a)
		}
	}
	return out
}

// migrateMarked plays the scheduler (no workers run): every marked
// allocation is stopped and replaced on node, pending.
func migrateMarked(t *testing.T, s *Server, job *structs.Job, marked []*structs.Allocation, nodeID string) []string {
	t.Helper()
	var writes []*structs.Allocation
	var ids []string
	for _, a := range marked {
		stopped := a.Copy()
		stopped.DesiredStatus = structs.AllocDesiredStatusStop
		stopped.DesiredDescription = "alloc is being migrated"
		repl := &structs.Allocation{ID: a.ID + "-r", EvalID: "eval-migrate", Namespace: a.Namespace, JobID: a.JobID, Job: job,
			TaskGroup: a.TaskGroup, Name: a.Name, NodeID: nodeID, DesiredStatus: structs.AllocDesiredStatusRun,
			ClientStatus: structs.AllocClientStatusPending, PreviousAllocation: a.ID}
		writes = append(writes, stopped, repl)
		ids = append(ids, repl.ID)
	}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: writes}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// reportRunning acknowledges allocations as running now, as a client (or
// the node simulator) does.
func reportRunning(t *testing.T, s *Server, now time.Time, ids []string) {
	t.Helper()
	var updates []*structs.Allocation
	for _, id := range ids {
		updates = append(updates, &structs.Allocation{ID: id, ClientStatus: structs.AllocClientStatusRunning, ModifyTime: now.UnixNano(),
			TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning, StartedAt: now}}})
	}
	if _, _, err := s.raftApply(structs.AllocClientUpdateRequestType, &structs.AllocUpdateRequest{Alloc: updates}); err != nil {
		t.Fatal(err)
	}
}

func waitMarked(t *testing.T, s *Server, job *structs.Job, want int) []*structs.Allocation {
	t.Helper()
	var got []*structs.Allocation
	waitFor(t, 5*time.Second, func() error {
		got = markedAllocs(t, s, job)
		if len(got) != want {
			return fmt.Errorf("%d allocs marked for migration, want %d", len(got), want)
		}
		return nil
	})
	return got
}

// A group of 6 with migrate.max_parallel 2 leaves a draining node in three
// batches, each started once the previous replacements have been running
// for min_healthy_time.
func TestDrainerPacesMigrationsByMaxParallel(t *testing.T) {
	s, clock := lifecycleServer(t, func(c *Config) { c.NumSchedulers = -1 })
	registerNode(t, s, testNode("n1"))
	registerNode(t, s, testNode("n2"))
	s.heartbeats.clear("n1")
	s.heartbeats.clear("n2")
	web := putJob(t, s, pacedJob("web"))
	putAllocs(t, s, web, "n1", 6)
	now := clock.Now()
	drainDirect(t, s, "n1", &structs.DrainStrategy{Deadline: int64(time.Hour), StartedAt: now.UnixNano(),
		ForceDeadline: now.Add(time.Hour).UnixNano()})

	seen := map[string]bool{}
	for batch := 1; batch <= 3; batch++ {
		marked := waitMarked(t, s, web, 2)
		for _, a := range marked {
			if seen[a.ID] || a.NodeID != "n1" {
				t.Fatalf("batch %d marked %s on %s again", batch, a.ID, a.NodeID)
			}
			seen[a.ID] = true
		}
		if evals := nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerNodeDrain); len(evals) != batch {
			t.Fatalf("batch %d: %d node-drain evals", batch, len(evals))
		}
		replacements := migrateMarked(t, s, web, marked, "n2")
		if batch == 3 {
			break
		}

		// Pending replacements: nothing more is marked.
		if _, failed := s.drainer.pass(memdb.NewWatchSet()); failed {
			t.Fatal("drainer pass failed")
		}
		if got := markedAllocs(t, s, web); len(got) != 0 {
			t.Fatalf("batch %d: %d marked while replacements pending", batch, len(got))
		}
		// Running, but not yet for min_healthy_time: still nothing, and
		// the drainer wakes when they will have been.
		started := clock.Now()
		reportRunning(t, s, started, replacements)
		clock.Advance(5 * time.Second)
		next, failed := s.drainer.pass(memdb.NewWatchSet())
		if failed || !next.Equal(started.Add(10*time.Second)) {
			t.Fatalf("batch %d: next wake %v (failed %v), want %v", batch, next, failed, started.Add(10*time.Second))
		}
		if got := markedAllocs(t, s, web); len(got) != 0 {
			t.Fatalf("batch %d: %d marked before replacements are healthy", batch, len(got))
		}
		clock.Advance(5 * time.Second)
	}
	if len(seen) != 6 {
		t.Fatalf("%d allocs migrated, want 6", len(seen))
	}
	waitDrainDone(t, s, "n1")
}

// Batch allocations are left to finish; the deadline stops them.
func TestDrainerLeavesBatchAllocsToFinish(t *testing.T) {
	s, _ := lifecycleServer(t, func(c *Config) { c.NumSchedulers = -1 })
	registerNode(t, s, testNode("n1"))
	s.heartbeats.clear("n1")
	j := mockJob("report")
	j.Type = structs.JobTypeBatch
	job := putJob(t, s, j)
	putAllocs(t, s, job, "n1", 2)
	drainDirect(t, s, "n1", &structs.DrainStrategy{})
	if _, failed := s.drainer.pass(memdb.NewWatchSet()); failed {
		t.Fatal("drainer pass failed")
	}
	if got := markedAllocs(t, s, job); len(got) != 0 {
		t.Fatalf("%d batch allocs marked for migration", len(got))
	}
	if n := getNode(t, s, "n1"); n.DrainStrategy == nil {
		t.Fatal("drain completed with batch work running")
	}
}
