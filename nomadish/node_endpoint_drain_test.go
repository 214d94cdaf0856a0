package nomadish

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func updateDrain(s *Server, req *structs.NodeUpdateDrainRequest) (*structs.NodeDrainUpdateResponse, error) {
	var resp structs.NodeDrainUpdateResponse
	err := s.RPC("Node.UpdateDrain", req, &resp)
	return &resp, err
}

func updateEligibility(s *Server, id, elig string) (*structs.NodeEligibilityUpdateResponse, error) {
	var resp structs.NodeEligibilityUpdateResponse
	err := s.RPC("Node.UpdateEligibility", &structs.NodeUpdateEligibilityRequest{NodeID: id, Eligibility: elig}, &resp)
	return &resp, err
}

func getNode(t *testing.T, s *Server, id string) *structs.Node {
	t.Helper()
	n, err := s.State().NodeByID(nil, id)
	if err != nil || n == nil {
		t.Fatalf("node %s: %v", id, err)
	}
	return n
}

func TestNodeUpdateEligibility(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	putJob(t, s, systemJob("agent"))

	resp, err := updateEligibility(s, "n1", structs.NodeSchedulingIneligible)
	if err != nil || resp.NodeModifyIndex == 0 || len(resp.EvalIDs) != 0 {
		t.Fatalf("disable: %v %+v", err, resp)
	}
	n := getNode(t, s, "n1")
	if n.SchedulingEligibility != structs.NodeSchedulingIneligible || n.Events[len(n.Events)-1].Message != nodeEventIneligible {
		t.Fatalf("node = %+v", n)
	}
	// Unchanged: no write.
	again, err := updateEligibility(s, "n1", structs.NodeSchedulingIneligible)
	if err != nil || again.NodeModifyIndex != resp.NodeModifyIndex {
		t.Fatalf("repeat: %v %+v", err, again)
	}
	// Eligible again: the system job is evaluated for the node.
	resp, err = updateEligibility(s, "n1", structs.NodeSchedulingEligible)
	if err != nil || len(resp.EvalIDs) != 1 {
		t.Fatalf("enable: %v %+v", err, resp)
	}
	if _, err := updateEligibility(s, "n1", "sometimes"); !structs.IsValidationError(err) {
		t.Fatalf("bad value: %v", err)
	}
	if _, err := updateEligibility(s, "nope", structs.NodeSchedulingEligible); !structs.IsErrNotFound(err) {
		t.Fatalf("unknown node: %v", err)
	}
}

func TestNodeUpdateDrainStartsAndStops(t *testing.T) {
	s, clock := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	web := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", web, "n1")

	resp, err := updateDrain(s, &structs.NodeUpdateDrainRequest{NodeID: "n1",
		DrainStrategy: &structs.DrainStrategy{Deadline: int64(time.Hour), IgnoreSystemJobs: true}})
	if err != nil || len(resp.EvalIDs) != 1 || resp.EvalCreateIndex == 0 {
		t.Fatalf("drain: %v %+v", err, resp)
	}
	n := getNode(t, s, "n1")
	now := clock.Now()
	if !n.Drain || n.SchedulingEligibility != structs.NodeSchedulingIneligible || n.DrainStrategy.StartedAt != now.UnixNano() ||
		n.DrainStrategy.ForceDeadline != now.Add(time.Hour).UnixNano() || !n.DrainStrategy.IgnoreSystemJobs {
		t.Fatalf("node = %+v strategy %+v", n, n.DrainStrategy)
	}
	if evals := nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerNodeDrain); len(evals) != 1 {
		t.Fatalf("drain evals = %d", len(evals))
	}

	_, err = updateEligibility(s, "n1", structs.NodeSchedulingEligible)
	if err == nil || !strings.Contains(err.Error(), "is draining") {
		t.Fatalf("eligible while draining: %v", err)
	}
	if _, err := updateDrain(s, &structs.NodeUpdateDrainRequest{NodeID: "n1", DrainStrategy: &structs.DrainStrategy{Deadline: -5}}); !structs.IsValidationError(err) {
		t.Fatalf("bad deadline: %v", err)
	}

	// Disabling with MarkEligible makes the node schedulable again.
	if _, err := updateDrain(s, &structs.NodeUpdateDrainRequest{NodeID: "n1", MarkEligible: true}); err != nil {
		t.Fatal(err)
	}
	n = getNode(t, s, "n1")
	if n.Drain || n.DrainStrategy != nil || n.SchedulingEligibility != structs.NodeSchedulingEligible ||
		n.Events[len(n.Events)-1].Message != nodeEventDrainOff {
		t.Fatalf("after disable: %+v", n)
	}
}

// drainDirect starts a drain through Raft without evaluations, so that
// only the drainer acts on the node.
func drainDirect(t *testing.T, s *Server, nodeID string, d *structs.DrainStrategy) {
	t.Helper()
	if _, _, err := s.raftApply(structs.NodeUpdateDrainRequestType, &structs.NodeUpdateDrainRequest{NodeID: nodeID, DrainStrategy: d}); err != nil {
		t.Fatal(err)
	}
	s.drainer.wake()
}

func waitAlloc(t *testing.T, s *Server, id string, cond func(a *structs.Allocation) error) {
	t.Helper()
	waitFor(t, 5*time.Second, func() error {
		a, err := s.State().AllocByID(nil, id)
		if err != nil || a == nil {
			return fmt.Errorf("alloc %s: %v", id, err)
		}
		return cond(a)
	})
}

func waitDrainDone(t *testing.T, s *Server, nodeID string) {
	t.Helper()
	waitFor(t, 5*time.Second, func() error {
		n := getNode(t, s, nodeID)
		if n.Drain || n.DrainStrategy != nil {
			return fmt.Errorf("node %s still draining", nodeID)
		}
		if n.SchedulingEligibility != structs.NodeSchedulingIneligible {
			return fmt.Errorf("drained node is %s", n.SchedulingEligibility)
		}
		if last := n.Events[len(n.Events)-1]; last.Message != nodeEventDrainDone {
			return fmt.Errorf("last event %q", last.Message)
		}
		return nil
	})
}

func TestDrainerStopsSystemJobsLastThenCompletes(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	web := putJob(t, s, mockJob("web"))
	sys := putJob(t, s, systemJob("agent"))
	putAlloc(t, s, "a-web", web, "n1")
	putAlloc(t, s, "a-sys", sys, "n1")
	drainDirect(t, s, "n1", &structs.DrainStrategy{Deadline: int64(time.Hour)})

	// While the service allocation is there, nothing is stopped.
	a, _ := s.State().AllocByID(nil, "a-sys")
	if a.DesiredStatus != structs.AllocDesiredStatusRun {
		t.Fatalf("system alloc stopped early: %s", a.DesiredDescription)
	}
	// The scheduler migrates the service allocation...
	stopped := *mustAlloc(t, s, "a-web")
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	stopped.DesiredDescription = "migrated"
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{&stopped}}); err != nil {
		t.Fatal(err)
	}
	// ...then the drainer stops the system one and completes the drain.
	waitAlloc(t, s, "a-sys", func(a *structs.Allocation) error {
		if a.DesiredStatus != structs.AllocDesiredStatusStop || a.DesiredDescription != structs.AllocDescDrainSystem {
			return fmt.Errorf("system alloc %s %q", a.DesiredStatus, a.DesiredDescription)
		}
		return nil
	})
	waitDrainDone(t, s, "n1")
}

func TestDrainerIgnoringSystemJobsCompletesWithThemRunning(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	sys := putJob(t, s, systemJob("agent"))
	putAlloc(t, s, "a-sys", sys, "n1")
	drainDirect(t, s, "n1", &structs.DrainStrategy{IgnoreSystemJobs: true})
	waitDrainDone(t, s, "n1")
	if a := mustAlloc(t, s, "a-sys"); a.DesiredStatus != structs.AllocDesiredStatusRun {
		t.Fatalf("ignored system alloc was stopped: %q", a.DesiredDescription)
	}
}

func TestDrainerDeadlineStopsWhatIsLeft(t *testing.T) {
	s, clock := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	web := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a-web", web, "n1")
	// The node's heartbeat timer is not under test here.
	s.heartbeats.clear("n1")
	now := clock.Now()
	drainDirect(t, s, "n1", &structs.DrainStrategy{Deadline: int64(time.Hour), StartedAt: now.UnixNano(),
		ForceDeadline: now.Add(time.Hour).UnixNano()})

	// The drainer arms a timer for the deadline and waits.
	waitFor(t, 5*time.Second, func() error {
		if clock.Armed() == 0 {
			return fmt.Errorf("no deadline timer")
		}
		return nil
	})
	if a := mustAlloc(t, s, "a-web"); a.DesiredStatus != structs.AllocDesiredStatusRun {
		t.Fatalf("stopped before the deadline: %q", a.DesiredDescription)
	}
	clock.Advance(time.Hour)
	waitAlloc(t, s, "a-web", func(a *structs.Allocation) error {
		if a.DesiredStatus != structs.AllocDesiredStatusStop || a.DesiredDescription != structs.AllocDescDrainDeadline {
			return fmt.Errorf("alloc %s %q", a.DesiredStatus, a.DesiredDescription)
		}
		return nil
	})
	if evals := nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerNodeDrain); len(evals) != 1 {
		t.Fatalf("deadline evals = %d", len(evals))
	}
	waitDrainDone(t, s, "n1")
}

func mustAlloc(t *testing.T, s *Server, id string) *structs.Allocation {
	t.Helper()
	a, err := s.State().AllocByID(nil, id)
	if err != nil || a == nil {
		t.Fatalf("alloc %s: %v", id, err)
	}
	return a
}
