package nomadish

import (
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// lifecycleServer is a leader with a fake clock, no heartbeat stagger, a
// 10s minimum TTL, 10s grace and a 300s failover TTL.
func lifecycleServer(t *testing.T, cb func(*Config)) (*Server, *fakeClock) {
	t.Helper()
	clock := newFakeClock(time.Unix(1_700_000_000, 0))
	s := testServer(t, func(c *Config) {
		c.Clock = clock
		c.HeartbeatStagger = func(time.Duration) time.Duration { return 0 }
		c.MinHeartbeatTTL = 10 * time.Second
		c.HeartbeatGrace = 10 * time.Second
		c.FailoverHeartbeatTTL = 300 * time.Second
		if cb != nil {
			cb(c)
		}
	})
	waitForLeader(t, s)
	// establishLeadership runs after the leader's barrier.
	waitFor(t, 5*time.Second, func() error {
		s.heartbeats.mu.Lock()
		defer s.heartbeats.mu.Unlock()
		if !s.heartbeats.enabled {
			return fmt.Errorf("heartbeat tracking not enabled yet")
		}
		return nil
	})
	return s, clock
}

func registerNode(t *testing.T, s *Server, node *structs.Node) *structs.NodeUpdateResponse {
	t.Helper()
	var resp structs.NodeUpdateResponse
	if err := s.RPC("Node.Register", &structs.NodeRegisterRequest{Node: node}, &resp); err != nil {
		t.Fatalf("register node %s: %v", node.ID, err)
	}
	return &resp
}

func heartbeat(t *testing.T, s *Server, nodeID, status string) *structs.NodeUpdateResponse {
	t.Helper()
	var resp structs.NodeUpdateResponse
	if err := s.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: nodeID, Status: status}, &resp); err != nil {
		t.Fatalf("update status of %s: %v", nodeID, err)
	}
	return &resp
}

// putJob writes a job without an evaluation, so no scheduler acts on it.
func putJob(t *testing.T, s *Server, job *structs.Job) *structs.Job {
	t.Helper()
	job.Canonicalize()
	if _, _, err := s.raftApply(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: job}); err != nil {
		t.Fatal(err)
	}
	stored, err := s.State().JobByID(nil, job.Namespace, job.ID)
	if err != nil || stored == nil {
		t.Fatalf("job %s not stored: %v", job.ID, err)
	}
	return stored
}

// putAlloc places a running allocation of job on node directly.
func putAlloc(t *testing.T, s *Server, id string, job *structs.Job, nodeID string) {
	t.Helper()
	a := &structs.Allocation{ID: id, EvalID: "eval-" + id, Namespace: job.Namespace, JobID: job.ID, Job: job, TaskGroup: job.TaskGroups[0].Name,
		Name: structs.AllocName(job.ID, job.TaskGroups[0].Name, 0), NodeID: nodeID, DesiredStatus: structs.AllocDesiredStatusRun,
		ClientStatus: structs.AllocClientStatusRunning}
	if _, _, err := s.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{a}}); err != nil {
		t.Fatal(err)
	}
}

func systemJob(id string) *structs.Job {
	j := mockJob(id)
	j.Type = structs.JobTypeSystem
	j.TaskGroups[0].Count = 1
	return j
}

// nodeEvalsFor returns the evaluations of job that name nodeID.
func nodeEvalsFor(t *testing.T, s *Server, jobID, nodeID, trigger string) []*structs.Evaluation {
	t.Helper()
	evals, err := s.State().EvalsByJob(nil, structs.DefaultNamespace, jobID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*structs.Evaluation
	for _, e := range evals {
		if e.NodeID == nodeID && e.TriggeredBy == trigger {
			out = append(out, e)
		}
	}
	return out
}

func nodeStatus(t *testing.T, s *Server, id string) string {
	t.Helper()
	n, err := s.State().NodeByID(nil, id)
	if err != nil || n == nil {
		t.Fatalf("node %s: %v", id, err)
	}
	return n.Status
}

func waitNodeStatus(t *testing.T, s *Server, id, want string) {
	t.Helper()
	waitFor(t, 5*time.Second, func() error {
		if got := nodeStatus(t, s, id); got != want {
			return fmt.Errorf("node %s status %q, want %q", id, got, want)
		}
		return nil
	})
}

func TestHeartbeatTTLGrowsWithNodeCount(t *testing.T) {
	s, _ := lifecycleServer(t, func(c *Config) { c.MaxHeartbeatsPerSecond = 2 })
	var ttls []time.Duration
	for i := 0; i < 30; i++ {
		resp := registerNode(t, s, testNode(fmt.Sprintf("n%02d", i)))
		ttls = append(ttls, resp.HeartbeatTTL)
		if resp.NumNodes != int32(i+1) || resp.LeaderRPCAddr == "" || len(resp.Servers) != 1 {
			t.Fatalf("reply %d = %+v", i, resp)
		}
	}
	// 2 heartbeats/s: 20 nodes need 10s, 30 nodes 15s.
	if ttls[0] != 10*time.Second || ttls[19] != 10*time.Second || ttls[29] != 15*time.Second {
		t.Fatalf("ttls = %v", ttls)
	}
	if got := heartbeat(t, s, "n00", structs.NodeStatusReady).HeartbeatTTL; got != 15*time.Second {
		t.Fatalf("heartbeat ttl = %s", got)
	}
}

func TestHeartbeatStaggerBoundedByTTL(t *testing.T) {
	h := newHeartbeats(&Config{MinHeartbeatTTL: 10 * time.Second, MaxHeartbeatsPerSecond: 50, HeartbeatGrace: time.Second},
		newFakeClock(time.Unix(0, 0)), testLogger("hb"), func(string) {})
	for i := 0; i < 200; i++ {
		if ttl := h.reset(fmt.Sprint(i)); ttl < 10*time.Second || ttl >= 20*time.Second {
			t.Fatalf("ttl %s outside [10s, 20s)", ttl)
		}
	}
}

func TestHeartbeatMissedMarksNodeDownAllocsLostAndCreatesEvals(t *testing.T) {
	s, clock := lifecycleServer(t, nil)
	registerNode(t, s, testNode("gone"))
	registerNode(t, s, testNode("alive"))
	web := putJob(t, s, mockJob("web"))
	sys := putJob(t, s, systemJob("agent"))
	other := putJob(t, s, mockJob("elsewhere"))
	putAlloc(t, s, "a-web", web, "gone")
	putAlloc(t, s, "a-sys", sys, "gone")
	putAlloc(t, s, "a-other", other, "alive")

	// TTL 10s + grace 10s. The live node heartbeats in time.
	clock.Advance(15 * time.Second)
	heartbeat(t, s, "alive", structs.NodeStatusReady)
	clock.Advance(5*time.Second - time.Nanosecond)
	if got := nodeStatus(t, s, "gone"); got != structs.NodeStatusReady {
		t.Fatalf("before ttl+grace: %s", got)
	}
	clock.Advance(time.Nanosecond)
	waitNodeStatus(t, s, "gone", structs.NodeStatusDown)
	if got := nodeStatus(t, s, "alive"); got != structs.NodeStatusReady {
		t.Fatalf("node that heartbeat in time is %s", got)
	}

	for _, id := range []string{"a-web", "a-sys"} {
		a, _ := s.State().AllocByID(nil, id)
		if a.ClientStatus != structs.AllocClientStatusLost || a.DesiredDescription != structs.AllocDescNodeDown {
			t.Fatalf("alloc %s = %s %q", id, a.ClientStatus, a.DesiredDescription)
		}
	}
	if a, _ := s.State().AllocByID(nil, "a-other"); a.ClientStatus != structs.AllocClientStatusRunning {
		t.Fatalf("alloc on live node = %s", a.ClientStatus)
	}
	for _, job := range []string{"web", "agent"} {
		if evals := nodeEvalsFor(t, s, job, "gone", structs.EvalTriggerNodeUpdate); len(evals) != 1 {
			t.Fatalf("job %s: %d node-update evals for the down node", job, len(evals))
		}
	}
	if evals := nodeEvalsFor(t, s, "elsewhere", "gone", structs.EvalTriggerNodeUpdate); len(evals) != 0 {
		t.Fatalf("unaffected job got evals: %+v", evals)
	}
	n, _ := s.State().NodeByID(nil, "gone")
	if last := n.Events[len(n.Events)-1]; last.Message != "Node heartbeat missed" {
		t.Fatalf("last event = %+v", last)
	}
	if s.heartbeats.count() != 1 {
		t.Fatalf("tracked nodes = %d, want 1", s.heartbeats.count())
	}

	// Coming back: ready again, with an evaluation for the system job.
	resp := heartbeat(t, s, "gone", structs.NodeStatusReady)
	if resp.HeartbeatTTL == 0 || len(resp.EvalIDs) != 1 {
		t.Fatalf("back to ready: %+v", resp)
	}
	if got := nodeStatus(t, s, "gone"); got != structs.NodeStatusReady {
		t.Fatalf("status = %s", got)
	}
	if evals := nodeEvalsFor(t, s, "agent", "gone", structs.EvalTriggerNodeUpdate); len(evals) != 2 {
		t.Fatalf("system job evals = %d, want 2", len(evals))
	}
}

func TestHeartbeatNewLeaderGivesFailoverTTL(t *testing.T) {
	s, clock := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	down := testNode("n2")
	down.Status = structs.NodeStatusDown
	registerNode(t, s, down)

	// Leadership lost and regained: the old timers are gone, and every
	// node that is not down gets the failover TTL plus grace.
	s.stopNodeLifecycle()
	if s.heartbeats.count() != 0 {
		t.Fatalf("timers left after revoke: %d", s.heartbeats.count())
	}
	s.startNodeLifecycle(make(chan struct{}))
	t.Cleanup(s.stopNodeLifecycle)
	if s.heartbeats.count() != 1 {
		t.Fatalf("timers after establish: %d, want 1", s.heartbeats.count())
	}
	clock.Advance(300 * time.Second)
	if got := nodeStatus(t, s, "n1"); got != structs.NodeStatusReady {
		t.Fatalf("judged within the failover ttl: %s", got)
	}
	clock.Advance(10 * time.Second)
	waitNodeStatus(t, s, "n1", structs.NodeStatusDown)
}

func TestNodeRegisterCreatesSystemJobEvals(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	putJob(t, s, systemJob("agent"))
	putJob(t, s, mockJob("web"))
	other := systemJob("other-dc")
	other.Datacenters = []string{"dc9"}
	putJob(t, s, other)

	resp := registerNode(t, s, testNode("new"))
	if len(resp.EvalIDs) != 1 || resp.EvalCreateIndex == 0 {
		t.Fatalf("new ready node: %+v", resp)
	}
	if evals := nodeEvalsFor(t, s, "agent", "new", structs.EvalTriggerNodeUpdate); len(evals) != 1 || evals[0].Status != structs.EvalStatusPending && evals[0].CreateIndex == 0 {
		t.Fatalf("system job evals = %+v", evals)
	}
	// Re-registering a ready node changes nothing to schedule.
	if resp := registerNode(t, s, testNode("new")); len(resp.EvalIDs) != 0 {
		t.Fatalf("re-register: %+v", resp)
	}
	// A node that starts initializing gets evaluations only once ready.
	init := testNode("init")
	init.Status = structs.NodeStatusInit
	if resp := registerNode(t, s, init); len(resp.EvalIDs) != 0 || resp.HeartbeatTTL == 0 {
		t.Fatalf("initializing node: %+v", resp)
	}
	if resp := heartbeat(t, s, "init", structs.NodeStatusReady); len(resp.EvalIDs) != 1 {
		t.Fatalf("init -> ready: %+v", resp)
	}
	n, _ := s.State().NodeByID(nil, "init")
	if n.ComputedClass == "" {
		t.Fatal("registration did not compute the node class")
	}
}

func TestNodeDeregisterStopsTracking(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	var resp structs.NodeUpdateResponse
	if err := s.RPC("Node.Deregister", &structs.NodeDeregisterRequest{NodeIDs: []string{"n1"}}, &resp); err != nil {
		t.Fatal(err)
	}
	if s.heartbeats.count() != 0 {
		t.Fatalf("tracked = %d", s.heartbeats.count())
	}
}
