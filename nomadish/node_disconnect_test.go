package nomadish

import (
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// edgeJob is mockJob with disconnect { lost_after = "1h" replace = false }.
func edgeJob(id string) *structs.Job {
	j := mockJob(id)
	no := false
	j.TaskGroups[0].Disconnect = &structs.DisconnectStrategy{LostAfter: time.Hour, Replace: &no}
	return j
}

// waitArmed waits until the node's status is want and its heartbeat timer
// is armed again, so that advancing the fake clock afterwards counts from
// the re-armed timer.
// brokerOnFakeClock puts the eval broker's delays (the follow-up at
// lost_after) on the test's fake clock too.
func brokerOnFakeClock(c *Config) { c.EvalBrokerClock = c.Clock }

func waitArmed(t *testing.T, s *Server, id, want string) {
	t.Helper()
	waitFor(t, 5*time.Second, func() error {
		if got := nodeStatus(t, s, id); got != want {
			return fmt.Errorf("node %s status %q, want %q", id, got, want)
		}
		s.heartbeats.mu.Lock()
		defer s.heartbeats.mu.Unlock()
		if _, ok := s.heartbeats.timers[id]; !ok {
			return fmt.Errorf("node %s has no heartbeat timer yet", id)
		}
		return nil
	})
}

func allocStatus(t *testing.T, s *Server, id string) *structs.Allocation {
	t.Helper()
	a, err := s.State().AllocByID(nil, id)
	if err != nil || a == nil {
		t.Fatalf("alloc %s: %v", id, err)
	}
	return a
}

func TestHeartbeatMissedDisconnectsNodeThenDownAfterLostAfter(t *testing.T) {
	s, clock := lifecycleServer(t, brokerOnFakeClock)
	registerNode(t, s, testNode("cut"))
	edge := putJob(t, s, edgeJob("edge"))
	plain := putJob(t, s, mockJob("plain"))
	putAlloc(t, s, "a-edge", edge, "cut")
	putAlloc(t, s, "a-plain", plain, "cut")
	start := clock.Now()

	// TTL 10s + grace 10s.
	clock.Advance(20 * time.Second)
	waitArmed(t, s, "cut", structs.NodeStatusDisconnected)
	a := allocStatus(t, s, "a-edge")
	since, unknown := a.UnknownSince()
	if a.ClientStatus != structs.AllocClientStatusUnknown || !unknown || !since.Equal(start.Add(20*time.Second)) {
		t.Fatalf("allocation with lost_after: status %q unknown since %v (%v) desc %q %q states %+v", a.ClientStatus, since, unknown, a.ClientDescription, a.DesiredDescription, a.AllocStates[0])
	}
	if got := allocStatus(t, s, "a-plain").ClientStatus; got != structs.AllocClientStatusLost {
		t.Fatalf("allocation without lost_after on the disconnected node is %q, want lost", got)
	}
	if evals := nodeEvalsFor(t, s, "edge", "cut", structs.EvalTriggerNodeUpdate); len(evals) != 1 {
		t.Fatalf("%d node-update evaluations for the disconnected node's job, want 1", len(evals))
	}

	// A new leader restarts every timer with the failover TTL (300s +
	// 10s grace); when it fires, the node stays disconnected and the
	// timer is armed for what remains of lost_after.
	s.initializeHeartbeatTimers()
	clock.Advance(310 * time.Second)
	waitFor(t, 5*time.Second, func() error {
		s.heartbeats.mu.Lock()
		defer s.heartbeats.mu.Unlock()
		if s.heartbeats.gen < 4 { // register, disconnect, failover, re-arm
			return fmt.Errorf("timer not re-armed after the failover TTL")
		}
		return nil
	})
	waitArmed(t, s, "cut", structs.NodeStatusDisconnected)

	clock.Advance(time.Hour - 310*time.Second - time.Second)
	if got := nodeStatus(t, s, "cut"); got != structs.NodeStatusDisconnected {
		t.Fatalf("before lost_after passed the node is %q", got)
	}
	clock.Advance(time.Second)
	waitNodeStatus(t, s, "cut", structs.NodeStatusDown)
	if got := allocStatus(t, s, "a-edge").ClientStatus; got != structs.AllocClientStatusLost {
		t.Fatalf("after lost_after the allocation is %q, want lost", got)
	}
}

func TestHeartbeatAfterDisconnectAsksForReportsAndReconnectEval(t *testing.T) {
	s, clock := lifecycleServer(t, brokerOnFakeClock)
	registerNode(t, s, testNode("cut"))
	edge := putJob(t, s, edgeJob("edge"))
	putAlloc(t, s, "a-edge", edge, "cut")
	clock.Advance(20 * time.Second)
	waitArmed(t, s, "cut", structs.NodeStatusDisconnected)

	if resp := heartbeat(t, s, "cut", structs.NodeStatusReady); !resp.Reconnected {
		t.Fatal("heartbeat of a disconnected node did not ask the client for its reports")
	}
	if nodeStatus(t, s, "cut") != structs.NodeStatusReady {
		t.Fatal("node not ready after its heartbeat")
	}
	if resp := heartbeat(t, s, "cut", structs.NodeStatusReady); resp.Reconnected {
		t.Fatal("a heartbeat of a ready node asked for reports again")
	}
	var out structs.GenericResponse
	report := &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{{ID: "a-edge", ClientStatus: structs.AllocClientStatusRunning}}}
	if err := s.RPC("Node.UpdateAlloc", report, &out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if got := allocStatus(t, s, "a-edge").ClientStatus; got != structs.AllocClientStatusRunning {
			return fmt.Errorf("reconnected allocation is %q", got)
		}
		evals, _ := s.State().EvalsByJob(nil, structs.DefaultNamespace, "edge")
		for _, e := range evals {
			if e.TriggeredBy == structs.EvalTriggerReconnect {
				return nil
			}
		}
		return fmt.Errorf("no reconnect evaluation among %d", len(evals))
	})
}
