package nomadish

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

// schedNode is a ready node with a healthy mock driver and cpu MHz and
// memMB of resources.
func schedNode(id string, cpu, memMB int64) *structs.Node {
	n := testNode(id)
	n.NodeResources = &structs.NodeResources{
		Cpu:    structs.NodeCpuResources{CpuShares: cpu, TotalCpuCores: 4},
		Memory: structs.NodeMemoryResources{MemoryMB: memMB},
		Disk:   structs.NodeDiskResources{DiskMB: 100_000},
	}
	n.Drivers = map[string]*structs.DriverInfo{"mock": {Detected: true, Healthy: true}}
	return n
}

func schedRegisterNode(t *testing.T, s *Server, n *structs.Node) {
	t.Helper()
	var resp structs.NodeUpdateResponse
	if err := s.RPC("Node.Register", &structs.NodeRegisterRequest{Node: n}, &resp); err != nil {
		t.Fatalf("register node %s: %v", n.ID, err)
	}
}

// waitEval polls until the evaluation satisfies cond.
func waitEval(t *testing.T, s *Server, id string, cond func(*structs.Evaluation) error) *structs.Evaluation {
	t.Helper()
	var out *structs.Evaluation
	waitFor(t, 10*time.Second, func() error {
		e, err := s.State().EvalByID(nil, id)
		if err != nil {
			return err
		}
		if e == nil {
			return fmt.Errorf("eval %s not found", id)
		}
		out = e
		return cond(e)
	})
	return out
}

func evalStatus(want string) func(*structs.Evaluation) error {
	return func(e *structs.Evaluation) error {
		if e.Status != want {
			return fmt.Errorf("eval %s status %q (%s), want %q", e.ID, e.Status, e.StatusDescription, want)
		}
		return nil
	}
}

// liveAllocs returns the job's allocations that are not terminal.
func liveAllocs(t *testing.T, s *Server, jobID string) []*structs.Allocation {
	t.Helper()
	allocs, err := s.State().AllocsByJob(nil, "default", jobID, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []*structs.Allocation
	for _, a := range allocs {
		if !a.TerminalStatus() {
			out = append(out, a)
		}
	}
	return out
}

func waitLiveAllocs(t *testing.T, s *Server, jobID string, n int) []*structs.Allocation {
	t.Helper()
	var out []*structs.Allocation
	waitFor(t, 10*time.Second, func() error {
		out = liveAllocs(t, s, jobID)
		if len(out) != n {
			return fmt.Errorf("job %s has %d live allocations, want %d", jobID, len(out), n)
		}
		return nil
	})
	return out
}

func schedServer(t *testing.T, cb func(*Config)) *Server {
	t.Helper()
	s := testServer(t, func(c *Config) {
		c.NumSchedulers = 2
		if cb != nil {
			cb(c)
		}
	})
	waitForLeader(t, s)
	waitFor(t, 5*time.Second, func() error {
		if !s.evalBroker.Enabled() {
			return fmt.Errorf("broker not enabled yet")
		}
		return nil
	})
	return s
}

func TestScheduling_ServiceJobIsPlaced(t *testing.T) {
	s := schedServer(t, nil)
	for i := 1; i <= 3; i++ {
		schedRegisterNode(t, s, schedNode(fmt.Sprintf("node-%d", i), 4000, 8192))
	}
	job := mockJob("web")
	job.TaskGroups[0].Count = 3
	resp := registerJob(t, s, job)

	eval := waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusComplete))
	if eval.BlockedEval != "" || len(eval.FailedTGAllocs) != 0 {
		t.Fatalf("eval = %+v", eval)
	}
	allocs := waitLiveAllocs(t, s, "web", 3)
	nodes := map[string]bool{}
	for _, a := range allocs {
		nodes[a.NodeID] = true
		if a.EvalID != resp.EvalID || a.Job == nil || a.Job.ID != "web" || a.ClientStatus != structs.AllocClientStatusPending {
			t.Fatalf("alloc = %+v", a)
		}
	}
	if len(nodes) < 2 {
		t.Fatalf("3 allocations on %d node(s); job anti-affinity should spread them", len(nodes))
	}

	// Scaling down stops one, through a second evaluation.
	job = mockJob("web")
	job.TaskGroups[0].Count = 2
	resp = registerJob(t, s, job)
	waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusComplete))
	waitLiveAllocs(t, s, "web", 2)
}

func TestScheduling_BlockedEvalUnblockedByNewNode(t *testing.T) {
	s := schedServer(t, nil)
	// Room for two allocations of 100 MHz / 300 MB.
	schedRegisterNode(t, s, schedNode("small", 250, 700))
	job := mockJob("web")
	job.TaskGroups[0].Count = 3
	resp := registerJob(t, s, job)

	eval := waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusComplete))
	if eval.BlockedEval == "" || eval.FailedTGAllocs["web"] == nil {
		t.Fatalf("eval should have a blocked eval and failed allocs: %+v", eval)
	}
	if m := eval.FailedTGAllocs["web"]; m.NodesExhausted == 0 {
		t.Fatalf("failed metric = %+v", m)
	}
	waitLiveAllocs(t, s, "web", 2)
	waitEval(t, s, eval.BlockedEval, evalStatus(structs.EvalStatusBlocked))
	waitFor(t, 5*time.Second, func() error {
		if n := s.blockedEvals.Len(); n != 1 {
			return fmt.Errorf("%d blocked evals tracked", n)
		}
		return nil
	})

	schedRegisterNode(t, s, schedNode("big", 8000, 16384))
	allocs := waitLiveAllocs(t, s, "web", 3)
	onBig := 0
	for _, a := range allocs {
		if a.NodeID == "big" {
			onBig++
		}
	}
	if onBig != 1 {
		t.Fatalf("%d allocations on the new node, want 1", onBig)
	}
	waitEval(t, s, eval.BlockedEval, evalStatus(structs.EvalStatusComplete))
	if n := s.blockedEvals.Len(); n != 0 {
		t.Fatalf("%d blocked evals still tracked", n)
	}
}

func TestScheduling_BlockedEvalUnblockedByFreedCapacity(t *testing.T) {
	s := schedServer(t, nil)
	schedRegisterNode(t, s, schedNode("small", 250, 700))
	fill := mockJob("fill")
	fill.TaskGroups[0].Count = 2
	r := registerJob(t, s, fill)
	waitEval(t, s, r.EvalID, evalStatus(structs.EvalStatusComplete))
	waitLiveAllocs(t, s, "fill", 2)

	web := mockJob("web")
	web.TaskGroups[0].Count = 1
	r = registerJob(t, s, web)
	eval := waitEval(t, s, r.EvalID, evalStatus(structs.EvalStatusComplete))
	if eval.BlockedEval == "" {
		t.Fatalf("eval = %+v", eval)
	}
	waitEval(t, s, eval.BlockedEval, evalStatus(structs.EvalStatusBlocked))

	// Stopping the filler frees the node.
	var dresp structs.JobDeregisterResponse
	if err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "fill"}, &dresp); err != nil {
		t.Fatal(err)
	}
	waitLiveAllocs(t, s, "fill", 0)
	waitLiveAllocs(t, s, "web", 1)
	waitEval(t, s, eval.BlockedEval, evalStatus(structs.EvalStatusComplete))
}

// panicScheduler panics on every evaluation.
type panicScheduler struct{}

func (panicScheduler) Process(*structs.Evaluation) error { panic("boom from a test scheduler") }

func TestScheduling_SchedulerPanicFailsEval(t *testing.T) {
	panics.Allow(t)
	s := schedServer(t, func(c *Config) {
		c.SchedulerFactories = map[string]scheduler.Factory{
			structs.JobTypeBatch: func(hclog.Logger, scheduler.State, scheduler.Planner) scheduler.Scheduler {
				return panicScheduler{}
			},
		}
	})
	schedRegisterNode(t, s, schedNode("n1", 4000, 8192))
	job := mockJob("crash")
	job.Type = structs.JobTypeBatch
	resp := registerJob(t, s, job)
	eval := waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusFailed))
	if !strings.Contains(eval.StatusDescription, "scheduler panic") || !strings.Contains(eval.StatusDescription, "boom") {
		t.Fatalf("description = %q", eval.StatusDescription)
	}

	// The server and its workers live on.
	r := registerJob(t, s, mockJob("web"))
	waitEval(t, s, r.EvalID, evalStatus(structs.EvalStatusComplete))
	waitLiveAllocs(t, s, "web", 2)
}
