package state

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// PlacedAllocs counts the allocations the store wrote into a deployment:
// a new allocation once, an update of it never, and an allocation of a
// deployment that is gone not at all.
func TestPlacedAllocsCountsWrittenAllocations(t *testing.T) {
	s := testStore(t)
	job := testJob("web")
	must(t, s.UpsertJob(10, job))
	must(t, s.UpsertNode(10, batchNode("n1")))
	must(t, s.UpsertNode(10, batchNode("n2")))
	d := &structs.Deployment{ID: "d1", Namespace: job.Namespace, JobID: job.ID, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3}}}

	a1, a2 := testAlloc(job, "a1", "n1"), testAlloc(job, "a2", "n2")
	a1.DeploymentID, a2.DeploymentID = "d1", "d1"
	outside := testAlloc(job, "a3", "n1") // placed outside any deployment
	orphan := testAlloc(job, "a4", "n1")
	orphan.DeploymentID = "gone"
	must(t, s.UpsertPlanResults(11, &structs.ApplyPlanResultsRequest{Deployment: d, Allocs: []*structs.Allocation{a1, a2, outside, orphan}}))
	placed := func() int {
		t.Helper()
		got, err := s.DeploymentByID(nil, "d1")
		must(t, err)
		return got.TaskGroups["web"].PlacedAllocs
	}
	if n := placed(); n != 2 {
		t.Fatalf("placed %d after two placements, want 2", n)
	}
	if d.TaskGroups["web"].PlacedAllocs != 0 {
		t.Fatal("the store changed the plan's deployment instead of its own copy")
	}

	// The same allocations written again (an in-place update, a stop) and
	// a plan whose copy of the deployment claims more placements.
	stale := d.Copy()
	stale.TaskGroups["web"].PlacedAllocs = 5
	again := testAlloc(job, "a1", "n1")
	again.DeploymentID = "d1"
	stop := testAlloc(job, "a2", "n2")
	stop.DeploymentID, stop.DesiredStatus = "d1", structs.AllocDesiredStatusStop
	must(t, s.UpsertPlanResults(12, &structs.ApplyPlanResultsRequest{Deployment: stale, Allocs: []*structs.Allocation{again}, AllocsStopped: []*structs.Allocation{stop}}))
	if n := placed(); n != 2 {
		t.Fatalf("placed %d after rewriting the same two, want 2", n)
	}

	// A plain allocation write (the path the scheduler harness uses) counts too.
	a5 := testAlloc(job, "a5", "n3")
	a5.DeploymentID = "d1"
	must(t, s.UpsertAllocs(13, []*structs.Allocation{a5}))
	if n := placed(); n != 3 {
		t.Fatalf("placed %d after a third placement, want 3", n)
	}
	if got, err := s.DeploymentByID(nil, "d1"); err != nil || got.ModifyIndex != 13 {
		t.Fatalf("deployment modify index %d, want 13 (%v)", got.ModifyIndex, err)
	}
}
