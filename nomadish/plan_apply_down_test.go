package nomadish

import (
	"reflect"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A node can go down after the applier checked it and before the plan
// commits (chaos seed 1043 found an allocation placed on a node marked
// down one index earlier). The FSM leaves the new placements on such a
// node out, on every server alike, and says which nodes; stops and the
// placements on other nodes still commit.
func TestPlanCommitLeavesOutPlacementsOnDownNodes(t *testing.T) {
	s, _ := deploymentServer(t)
	job := mockJob("web")
	putJob(t, s, job)
	for _, id := range []string{"up", "down"} {
		if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: planNode(id)}); err != nil {
			t.Fatal(err)
		}
	}
	old := planAlloc("old", "down", 100)
	old.Job = job
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{old}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.raftApply(structs.NodeUpdateStatusRequestType, &structs.NodeUpdateStatusRequest{NodeID: "down", Status: structs.NodeStatusDown}); err != nil {
		t.Fatal(err)
	}

	stop := old.Copy()
	stop.DesiredStatus, stop.ClientStatus = structs.AllocDesiredStatusStop, structs.AllocClientStatusLost
	req := &structs.ApplyPlanResultsRequest{Job: job, EvalIDs: []string{"eval"},
		Allocs:        []*structs.Allocation{planAlloc("a-up", "up", 100), planAlloc("a-down", "down", 100)},
		AllocsStopped: []*structs.Allocation{stop}}
	resp, index, err := s.raftApply(structs.ApplyPlanResultsRequestType, req)
	if err != nil {
		t.Fatal(err)
	}
	out, ok := resp.(*structs.PlanCommitOutcome)
	if !ok || !reflect.DeepEqual(out.DroppedNodes, []string{"down"}) {
		t.Fatalf("response %#v, want the down node named", resp)
	}
	st := s.fsm.State()
	for id, want := range map[string]bool{"a-up": true, "a-down": false} {
		a, err := st.AllocByID(nil, id)
		if err != nil {
			t.Fatal(err)
		}
		if (a != nil) != want {
			t.Errorf("allocation %s stored: %v, want %v", id, a != nil, want)
		}
	}
	if a, _ := st.AllocByID(nil, "old"); a == nil || a.DesiredStatus != structs.AllocDesiredStatusStop {
		t.Fatalf("the plan's stop on the down node did not commit: %+v", a)
	}

	// The submitter learns the placement did not commit and must plan
	// again on state at least at the commit.
	result := &structs.PlanResult{NodeAllocation: map[string][]*structs.Allocation{"up": req.Allocs[:1], "down": req.Allocs[1:]}}
	dropCommitted(result, out)
	if _, ok := result.NodeAllocation["down"]; ok || len(result.NodeAllocation["up"]) != 1 || result.RefreshIndex == 0 {
		t.Fatalf("result after the drop: %+v (commit index %d)", result, index)
	}
}
