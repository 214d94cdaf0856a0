package state

import (
	"context"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testStore(t *testing.T) *StateStore {
	t.Helper()
	s, err := NewStateStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testJob(id string) *structs.Job {
	j := &structs.Job{
		ID:          id,
		Type:        structs.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{
			Name:  "web",
			Count: 2,
			Tasks: []*structs.Task{{Name: "app", Driver: "mock", Config: map[string]interface{}{"run_for": "10s"}}},
		}},
	}
	j.Canonicalize()
	return j
}

func testAlloc(job *structs.Job, id, node string) *structs.Allocation {
	return &structs.Allocation{
		ID: id, Namespace: job.Namespace, JobID: job.ID, Job: job, TaskGroup: "web",
		NodeID: node, EvalID: "eval-1", DesiredStatus: structs.AllocDesiredStatusRun,
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpsertJobIndexesAndVersions(t *testing.T) {
	s := testStore(t)
	must(t, s.UpsertJob(10, testJob("web")))

	got, err := s.JobByID(nil, "default", "web")
	must(t, err)
	if got.CreateIndex != 10 || got.ModifyIndex != 10 || got.JobModifyIndex != 10 || got.Version != 0 {
		t.Fatalf("indexes = %d/%d/%d v%d", got.CreateIndex, got.ModifyIndex, got.JobModifyIndex, got.Version)
	}
	if got.Status != structs.JobStatusPending {
		t.Fatalf("status = %q, want pending", got.Status)
	}

	// Resubmitting the same spec keeps the version.
	must(t, s.UpsertJob(11, testJob("web")))
	got, _ = s.JobByID(nil, "default", "web")
	if got.Version != 0 || got.JobModifyIndex != 10 || got.ModifyIndex != 11 {
		t.Fatalf("unchanged spec: v%d jmi=%d mi=%d", got.Version, got.JobModifyIndex, got.ModifyIndex)
	}

	// Changing it makes a new version; only the newest versions are kept.
	for i := 0; i < JobTrackedVersions+3; i++ {
		j := testJob("web")
		j.TaskGroups[0].Count = 3 + i
		must(t, s.UpsertJob(uint64(20+i), j))
	}
	versions, err := s.JobVersionsByID(nil, "default", "web")
	must(t, err)
	if len(versions) != JobTrackedVersions {
		t.Fatalf("kept %d versions, want %d", len(versions), JobTrackedVersions)
	}
	if versions[0].Version != uint64(JobTrackedVersions+3) || versions[0].Version <= versions[1].Version {
		t.Fatalf("versions not newest first: %d, %d", versions[0].Version, versions[1].Version)
	}
	idx, _ := s.Index("jobs")
	if idx != uint64(20+JobTrackedVersions+2) {
		t.Fatalf("jobs index = %d", idx)
	}
	// A job whose ID extends another's is not mixed into its versions.
	must(t, s.UpsertJob(100, testJob("web2")))
	versions, _ = s.JobVersionsByID(nil, "default", "web")
	for _, v := range versions {
		if v.ID != "web" {
			t.Fatalf("version of %q listed under web", v.ID)
		}
	}
}

func TestJobStatusAndSummaryFollowAllocs(t *testing.T) {
	s := testStore(t)
	job := testJob("web")
	must(t, s.UpsertJob(1, job))
	must(t, s.UpsertEvals(2, []*structs.Evaluation{{ID: "eval-1", Namespace: "default", JobID: "web", Status: structs.EvalStatusComplete,
		QueuedAllocations: map[string]int{"web": 1}}}))
	must(t, s.UpsertAllocs(3, []*structs.Allocation{testAlloc(job, "a1", "n1")}))

	got, _ := s.JobByID(nil, "default", "web")
	if got.Status != structs.JobStatusRunning {
		t.Fatalf("status = %q, want running", got.Status)
	}
	sum, _ := s.JobSummaryByID(nil, "default", "web")
	if tg := sum.Summary["web"]; tg.Starting != 1 || tg.Queued != 1 {
		t.Fatalf("summary = %+v", tg)
	}

	update := testAlloc(job, "a1", "n1")
	update.ClientStatus = structs.AllocClientStatusComplete
	must(t, s.UpdateAllocsFromClient(4, []*structs.Allocation{update}))
	a, _ := s.AllocByID(nil, "a1")
	if a.ClientStatus != structs.AllocClientStatusComplete || a.ModifyIndex != 4 || a.AllocModifyIndex != 3 || a.CreateIndex != 3 {
		t.Fatalf("alloc after client update: %+v", a)
	}
	got, _ = s.JobByID(nil, "default", "web")
	if got.Status != structs.JobStatusDead {
		t.Fatalf("status = %q, want dead", got.Status)
	}
	sum, _ = s.JobSummaryByID(nil, "default", "web")
	if tg := sum.Summary["web"]; tg.Complete != 1 || tg.Starting != 0 {
		t.Fatalf("summary = %+v", tg)
	}

	// The scheduler rewriting the alloc does not undo the client's status.
	must(t, s.UpsertAllocs(5, []*structs.Allocation{testAlloc(job, "a1", "n1")}))
	a, _ = s.AllocByID(nil, "a1")
	if a.ClientStatus != structs.AllocClientStatusComplete {
		t.Fatalf("client status overwritten: %q", a.ClientStatus)
	}
}

func TestAllocIndexes(t *testing.T) {
	s := testStore(t)
	job := testJob("web")
	must(t, s.UpsertJob(1, job))
	a1, a2 := testAlloc(job, "a1", "n1"), testAlloc(job, "a2", "n2")
	a2.EvalID = "eval-2"
	a2.DeploymentID = "d1"
	must(t, s.UpsertAllocs(2, []*structs.Allocation{a1, a2}))

	check := func(name string, got []*structs.Allocation, err error, want ...string) {
		t.Helper()
		must(t, err)
		if len(got) != len(want) {
			t.Fatalf("%s: got %d allocs, want %v", name, len(got), want)
		}
		for i := range want {
			if got[i].ID != want[i] {
				t.Fatalf("%s: got %s, want %s", name, got[i].ID, want[i])
			}
		}
	}
	byJob, err := s.AllocsByJob(nil, "default", "web", false)
	check("job", byJob, err, "a1", "a2")
	byNode, err := s.AllocsByNode(nil, "n2")
	check("node", byNode, err, "a2")
	// An evaluation's allocations are found through its job.
	byEval, err := s.AllocsByEval(nil, "eval-1")
	check("unknown eval", byEval, err)
	must(t, s.UpsertEvals(3, []*structs.Evaluation{{ID: "eval-1", Namespace: "default", JobID: "web", Status: structs.EvalStatusComplete}}))
	byEval, err = s.AllocsByEval(nil, "eval-1")
	check("eval", byEval, err, "a1")
	// A deployment's allocations are found through its job.
	byDep, err := s.AllocsByDeployment(nil, "d1")
	check("unknown deployment", byDep, err)
	must(t, s.UpsertDeployment(3, &structs.Deployment{ID: "d1", Namespace: "default", JobID: "web", Status: structs.DeploymentStatusRunning}))
	byDep, err = s.AllocsByDeployment(nil, "d1")
	check("deployment", byDep, err, "a2")

	// Purging and re-registering the job hides the old allocations.
	must(t, s.DeleteJob(4, "default", "web"))
	must(t, s.UpsertJob(5, testJob("web")))
	byJob, err = s.AllocsByJob(nil, "default", "web", false)
	check("job after re-register", byJob, err)
	byJob, err = s.AllocsByJob(nil, "default", "web", true)
	check("job any create index", byJob, err, "a1", "a2")
}

func TestBlockingWatchWakesOnMatchingWriteOnly(t *testing.T) {
	s := testStore(t)
	must(t, s.UpsertJob(1, testJob("web")))
	must(t, s.UpsertJob(2, testJob("other")))

	ws := memdb.NewWatchSet()
	if _, err := s.JobByID(ws, "default", "web"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Unrelated write: the watch must not fire.
	j := testJob("other")
	j.Priority = 70
	must(t, s.UpsertJob(3, j))
	if err := ws.WatchCtx(ctx); err == nil {
		t.Fatal("watch fired for a write to another job")
	}

	fired := make(chan error, 1)
	go func() { fired <- ws.WatchCtx(context.Background()) }()
	j = testJob("web")
	j.Priority = 70
	must(t, s.UpsertJob(4, j))
	select {
	case err := <-fired:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch did not fire for a write to the watched job")
	}
}

func TestSnapshotIsolation(t *testing.T) {
	s := testStore(t)
	must(t, s.UpsertJob(1, testJob("web")))
	snap, err := s.Snapshot()
	must(t, err)
	must(t, s.UpsertJob(2, testJob("later")))
	if j, _ := snap.JobByID(nil, "default", "later"); j != nil {
		t.Fatal("snapshot sees a later write")
	}
	if idx, _ := snap.LatestIndex(); idx != 1 {
		t.Fatalf("snapshot latest index = %d", idx)
	}
}

func TestNodeUpsertKeepsOperatorChoices(t *testing.T) {
	s := testStore(t)
	n := &structs.Node{ID: "n1", Name: "n1", Datacenter: "dc1", Status: structs.NodeStatusReady}
	must(t, s.UpsertNode(1, n))
	must(t, s.UpdateNodeStatus(2, "n1", structs.NodeStatusDown, 99, &structs.NodeEvent{Message: "heartbeat missed"}))
	got, _ := s.NodeByID(nil, "n1")
	if got.Status != structs.NodeStatusDown || got.ModifyIndex != 2 || got.CreateIndex != 1 || len(got.Events) != 2 {
		t.Fatalf("node = %+v", got)
	}
	if err := s.UpdateNodeStatus(3, "missing", structs.NodeStatusDown, 0, nil); !structs.IsErrNotFound(err) {
		t.Fatalf("want not found, got %v", err)
	}
	must(t, s.DeleteNode(4, []string{"n1"}))
	if got, _ := s.NodeByID(nil, "n1"); got != nil {
		t.Fatal("node not deleted")
	}
}

func TestAbandon(t *testing.T) {
	s := testStore(t)
	s.Abandon()
	s.Abandon() // idempotent
	select {
	case <-s.AbandonCh():
	default:
		t.Fatal("abandon channel not closed")
	}
}

func TestUpsertAllocsLetsTheServerMarkLost(t *testing.T) {
	s := testStore(t)
	job := testJob("web")
	must(t, s.UpsertJob(1, job))
	a := testAlloc(job, "a1", "n1")
	must(t, s.UpsertAllocs(2, []*structs.Allocation{a}))
	running := testAlloc(job, "a1", "n1")
	running.ClientStatus = structs.AllocClientStatusRunning
	must(t, s.UpdateAllocsFromClient(3, []*structs.Allocation{running}))

	stop := testAlloc(job, "a1", "n1")
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	stop.ClientStatus = structs.AllocClientStatusLost
	must(t, s.UpsertAllocs(4, []*structs.Allocation{stop}))
	got, _ := s.AllocByID(nil, "a1")
	if got.ClientStatus != structs.AllocClientStatusLost || got.DesiredStatus != structs.AllocDesiredStatusStop {
		t.Fatalf("alloc = %s/%s, want stop/lost", got.DesiredStatus, got.ClientStatus)
	}
}
