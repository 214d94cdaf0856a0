package state

import (
	"errors"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func opsNode(id string) *structs.Node {
	return &structs.Node{ID: id, Name: id, Datacenter: "dc1", Status: structs.NodeStatusReady}
}

func TestUpdateNodeStatusLostMarksLiveAllocs(t *testing.T) {
	s := testStore(t)
	if err := s.UpsertNode(1, opsNode("n1")); err != nil {
		t.Fatal(err)
	}
	job := testJob("web")
	if err := s.UpsertJob(2, job); err != nil {
		t.Fatal(err)
	}
	live, done, stopped := testAlloc(job, "live", "n1"), testAlloc(job, "done", "n1"), testAlloc(job, "stopped", "n1")
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	if err := s.UpsertAllocs(3, []*structs.Allocation{live, done, stopped}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateAllocsFromClient(4, []*structs.Allocation{{ID: "done", ClientStatus: structs.AllocClientStatusComplete}}); err != nil {
		t.Fatal(err)
	}

	ws := memdb.NewWatchSet()
	if _, err := s.AllocsByNode(ws, "n1"); err != nil {
		t.Fatal(err)
	}
	lost, err := s.UpdateNodeStatusLost(5, "n1", structs.NodeStatusDown, 1000, &structs.NodeEvent{Message: "down"})
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) != 1 || lost[0].ID != "live" {
		t.Fatalf("lost = %+v", lost)
	}
	if ws.Watch(time.After(5 * time.Second)) {
		t.Fatal("allocs watch did not fire")
	}
	a, _ := s.AllocByID(nil, "live")
	if a.ClientStatus != structs.AllocClientStatusLost || a.DesiredDescription != structs.AllocDescNodeDown || a.ModifyIndex != 5 {
		t.Fatalf("live alloc = %s %q @%d", a.ClientStatus, a.DesiredDescription, a.ModifyIndex)
	}
	for _, id := range []string{"done", "stopped"} {
		if a, _ := s.AllocByID(nil, id); a.ClientStatus == structs.AllocClientStatusLost {
			t.Fatalf("terminal alloc %s marked lost", id)
		}
	}
	n, _ := s.NodeByID(nil, "n1")
	if n.Status != structs.NodeStatusDown || n.Events[len(n.Events)-1].Message != "down" || n.ModifyIndex != 5 {
		t.Fatalf("node = %+v", n)
	}
	sum, _ := s.JobSummaryByID(nil, job.Namespace, job.ID)
	if sum == nil || sum.Summary["web"].Lost != 1 {
		t.Fatalf("summary = %+v", sum)
	}

	// Any other status leaves allocations alone.
	if _, err := s.UpdateNodeStatusLost(6, "nope", structs.NodeStatusDown, 1, nil); !errors.Is(err, structs.ErrNotFound) {
		t.Fatalf("unknown node: %v", err)
	}
}

func TestUpdateNodeEligibilityAndDrain(t *testing.T) {
	s := testStore(t)
	if err := s.UpsertNode(1, opsNode("n1")); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateNodeEligibility(2, "n1", structs.NodeSchedulingIneligible, 10, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NodeByID(nil, "n1"); n.SchedulingEligibility != structs.NodeSchedulingIneligible || n.ModifyIndex != 2 {
		t.Fatalf("node = %+v", n)
	}
	if err := s.UpdateNodeEligibility(3, "n1", "maybe", 10, nil); err == nil {
		t.Fatal("bad eligibility accepted")
	}

	strategy := &structs.DrainStrategy{Deadline: 3600e9, StartedAt: 5}
	if err := s.UpdateNodeDrain(4, "n1", strategy, true, 11, &structs.NodeEvent{Message: "drain"}); err != nil {
		t.Fatal(err)
	}
	draining, _ := s.DrainingNodes(nil)
	if len(draining) != 1 || !draining[0].Drain || draining[0].DrainStrategy.Deadline != 3600e9 {
		t.Fatalf("draining = %+v", draining)
	}
	if err := s.UpdateNodeEligibility(5, "n1", structs.NodeSchedulingEligible, 12, nil); !errors.Is(err, ErrNodeDraining) {
		t.Fatalf("eligible while draining: %v", err)
	}
	// Registration keeps the drain.
	if err := s.UpsertNode(6, opsNode("n1")); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NodeByID(nil, "n1"); !n.Drain || n.SchedulingEligibility != structs.NodeSchedulingIneligible {
		t.Fatalf("re-registration dropped the drain: %+v", n)
	}
	if err := s.UpdateNodeDrain(7, "n1", nil, false, 13, nil); err != nil {
		t.Fatal(err)
	}
	n, _ := s.NodeByID(nil, "n1")
	if n.Drain || n.DrainStrategy != nil || n.SchedulingEligibility != structs.NodeSchedulingIneligible {
		t.Fatalf("after drain stop without mark-eligible: %+v", n)
	}
	if err := s.UpdateNodeDrain(8, "n1", nil, true, 14, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NodeByID(nil, "n1"); n.SchedulingEligibility != structs.NodeSchedulingEligible {
		t.Fatalf("mark eligible: %+v", n)
	}
	if draining, _ := s.DrainingNodes(nil); len(draining) != 0 {
		t.Fatalf("draining = %d", len(draining))
	}
}
