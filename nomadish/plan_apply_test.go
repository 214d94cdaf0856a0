package nomadish

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// planNode is a ready node offering 1000 MHz and 1024 MB.
func planNode(id string) *structs.Node {
	n := schedNode(id, 1000, 1024)
	n.SchedulingEligibility = structs.NodeSchedulingEligible
	return n
}

// planAlloc asks for cpu MHz and 100 MB, with the given static ports.
func planAlloc(id, nodeID string, cpu int64, ports ...int) *structs.Allocation {
	a := &structs.Allocation{ID: id, Namespace: "default", EvalID: "eval", JobID: "web", TaskGroup: "web", NodeID: nodeID,
		DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending,
		AllocatedResources: &structs.AllocatedResources{Tasks: map[string]*structs.AllocatedTaskResources{
			"app": {Cpu: structs.AllocatedCpuResources{CpuShares: cpu}, Memory: structs.AllocatedMemoryResources{MemoryMB: 100}},
		}}}
	for _, p := range ports {
		a.AllocatedResources.Shared.Ports = append(a.AllocatedResources.Shared.Ports, structs.AllocatedPortMapping{Label: fmt.Sprint(p), Value: p})
	}
	return a
}

// planState has n1 (ready, running "existing": 500 MHz, port 8080, and
// reserving port 22), n-down (down) and n-inelig (ineligible, running
// "resident").
func planState(t *testing.T) (*state.StateSnapshot, uint64) {
	t.Helper()
	st, err := state.NewStateStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	n1 := planNode("n1")
	n1.ReservedResources = &structs.NodeReservedResources{Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: "22"}}
	down := planNode("n-down")
	down.Status = structs.NodeStatusDown
	inelig := planNode("n-inelig")
	inelig.SchedulingEligibility = structs.NodeSchedulingIneligible
	for i, n := range []*structs.Node{n1, down, inelig} {
		if err := st.UpsertNode(uint64(i+1), n); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.UpsertAllocs(10, []*structs.Allocation{planAlloc("existing", "n1", 500, 8080), planAlloc("resident", "n-inelig", 100)}); err != nil {
		t.Fatal(err)
	}
	snap, err := st.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := snap.LatestIndex()
	return snap, idx
}

func TestEvaluatePlan(t *testing.T) {
	stop := func(id, node string) *structs.Allocation {
		a := planAlloc(id, node, 0)
		a.DesiredStatus = structs.AllocDesiredStatusStop
		return a
	}
	cases := []struct {
		name       string
		plan       *structs.Plan
		wantNodes  []string // nodes whose placements commit
		wantStops  int
		wantRefesh bool
	}{
		{name: "fits", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 400, 9000)}}},
			wantNodes: []string{"n1"}},
		{name: "cpu exhausted", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 600)}}},
			wantRefesh: true},
		{name: "stopping the existing alloc makes room",
			plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 600, 8080)}},
				NodeUpdate: map[string][]*structs.Allocation{"n1": {stop("existing", "n1")}}},
			wantNodes: []string{"n1"}, wantStops: 1},
		{name: "port taken by an alloc", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 10, 8080)}}},
			wantRefesh: true},
		{name: "port reserved by the node", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 10, 22)}}},
			wantRefesh: true},
		{name: "two placements claim one port", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a", "n1", 10, 9000), planAlloc("b", "n1", 10, 9000)}}},
			wantRefesh: true},
		{name: "node down: partial commit",
			plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{
				"n1": {planAlloc("a", "n1", 100)}, "n-down": {planAlloc("b", "n-down", 100)}}},
			wantNodes: []string{"n1"}, wantRefesh: true},
		{name: "all at once: nothing commits",
			plan: &structs.Plan{AllAtOnce: true, NodeAllocation: map[string][]*structs.Allocation{
				"n1": {planAlloc("a", "n1", 100)}, "n-down": {planAlloc("b", "n-down", 100)}}},
			wantRefesh: true},
		{name: "missing node", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"gone": {planAlloc("a", "gone", 1)}}},
			wantRefesh: true},
		{name: "stops on a missing node commit", plan: &structs.Plan{NodeUpdate: map[string][]*structs.Allocation{"gone": {stop("x", "gone")}}},
			wantStops: 1},
		{name: "ineligible node refuses new placements", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n-inelig": {planAlloc("new", "n-inelig", 1)}}},
			wantRefesh: true},
		{name: "ineligible node takes in-place updates", plan: &structs.Plan{NodeAllocation: map[string][]*structs.Allocation{"n-inelig": {planAlloc("resident", "n-inelig", 200)}}},
			wantNodes: []string{"n-inelig"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap, idx := planState(t)
			tc.plan.EvalID = "eval"
			result, req := evaluatePlan(snap, idx, tc.plan, testLogger("plan"))
			if (result.RefreshIndex != 0) != tc.wantRefesh {
				t.Fatalf("refresh index = %d, want set: %v", result.RefreshIndex, tc.wantRefesh)
			}
			if tc.wantRefesh && result.RefreshIndex != idx {
				t.Fatalf("refresh index = %d, want %d", result.RefreshIndex, idx)
			}
			if len(result.NodeAllocation) != len(tc.wantNodes) {
				t.Fatalf("committed placements on %v, want %v", result.NodeAllocation, tc.wantNodes)
			}
			for _, n := range tc.wantNodes {
				if len(result.NodeAllocation[n]) == 0 {
					t.Fatalf("nothing committed on %s", n)
				}
			}
			if len(tc.wantNodes) == 0 && tc.wantStops == 0 {
				if req != nil {
					t.Fatalf("request for an empty result: %+v", req)
				}
				return
			}
			if req == nil || len(req.AllocsStopped) != tc.wantStops {
				t.Fatalf("request = %+v", req)
			}
		})
	}
}

func TestAllocsFit(t *testing.T) {
	n := planNode("n")
	if ok, dim := structs.AllocsFit(n, []*structs.Allocation{planAlloc("a", "n", 600), planAlloc("b", "n", 400)}); !ok {
		t.Fatalf("exact fit refused: %s", dim)
	}
	if ok, dim := structs.AllocsFit(n, []*structs.Allocation{planAlloc("a", "n", 600), planAlloc("b", "n", 401)}); ok || dim != structs.DimensionCPU {
		t.Fatalf("overcommit = %v %q", ok, dim)
	}
	big := planAlloc("m", "n", 1)
	big.AllocatedResources.Tasks["app"].Memory.MemoryMB = 2000
	if ok, dim := structs.AllocsFit(n, []*structs.Allocation{big}); ok || dim != structs.DimensionMemory {
		t.Fatalf("memory = %v %q", ok, dim)
	}
	stopped := planAlloc("s", "n", 900, 80)
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	if ok, dim := structs.AllocsFit(n, []*structs.Allocation{stopped, planAlloc("a", "n", 900, 80)}); !ok {
		t.Fatalf("terminal allocation counted: %s", dim)
	}
	// A port listed both as a mapping and in the group network counts once.
	a := planAlloc("a", "n", 1, 8080)
	a.AllocatedResources.Shared.Networks = []*structs.NetworkResource{{ReservedPorts: []structs.Port{{Label: "http", Value: 8080}}}}
	if ok, dim := structs.AllocsFit(n, []*structs.Allocation{a}); !ok {
		t.Fatalf("own port counted twice: %s", dim)
	}
}

// dequeueForPlan takes an evaluation from the broker of a server without
// workers, so a test can submit plans for it.
func dequeueForPlan(t *testing.T, s *Server, id string) string {
	t.Helper()
	e := &structs.Evaluation{ID: id, Namespace: "default", JobID: "job-" + id, Type: structs.JobTypeService, Priority: 50, Status: structs.EvalStatusPending}
	if _, _, err := s.raftApply(structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{e}}); err != nil {
		t.Fatal(err)
	}
	got, token, err := s.evalBroker.Dequeue([]string{structs.JobTypeService}, 5*time.Second, nil)
	if err != nil || got == nil || got.ID != id {
		t.Fatalf("dequeue = %v %v", got, err)
	}
	return token
}

func submitPlan(s *Server, plan *structs.Plan) (*structs.PlanResult, error) {
	var resp structs.PlanResponse
	err := s.RPC("Plan.Submit", &structs.PlanRequest{Plan: plan}, &resp)
	return resp.Result, err
}

func TestPlanSubmit_CommitsAndRefreshes(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	schedRegisterNode(t, s, planNode("n1"))
	down := planNode("n2")
	down.Status = structs.NodeStatusDown
	schedRegisterNode(t, s, down)

	// A plan without the evaluation's token is refused.
	token := dequeueForPlan(t, s, "22222222-0000-0000-0000-000000000001")
	if _, err := submitPlan(s, &structs.Plan{EvalID: "22222222-0000-0000-0000-000000000001", EvalToken: "wrong"}); err == nil {
		t.Fatal("plan with a wrong token accepted")
	}

	plan := &structs.Plan{EvalID: "22222222-0000-0000-0000-000000000001", EvalToken: token, Priority: 50,
		NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc("a1", "n1", 100)}, "n2": {planAlloc("a2", "n2", 100)}}}
	result, err := submitPlan(s, plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(result.NodeAllocation) != 1 || len(result.NodeAllocation["n1"]) != 1 || result.AllocIndex == 0 || result.RefreshIndex < result.AllocIndex {
		t.Fatalf("result = %+v", result)
	}
	a, _ := s.State().AllocByID(nil, "a1")
	if a == nil || a.CreateIndex != result.AllocIndex {
		t.Fatalf("alloc a1 = %+v", a)
	}
	if a, _ := s.State().AllocByID(nil, "a2"); a != nil {
		t.Fatal("placement on a down node committed")
	}
}

func TestPlanSubmit_ConcurrentPlansDoNotOvercommit(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	schedRegisterNode(t, s, planNode("n1"))
	const n = 4
	ids := make([]string, n)
	tokens := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("33333333-0000-0000-0000-00000000000%d", i)
		tokens[i] = dequeueForPlan(t, s, ids[i])
	}
	// Each plan alone fits (600 of 1000 MHz); no two fit together.
	var wg sync.WaitGroup
	results := make([]*structs.PlanResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = submitPlan(s, &structs.Plan{EvalID: ids[i], EvalToken: tokens[i], Priority: 50,
				NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc(fmt.Sprintf("alloc-%d", i), "n1", 600)}}})
		}()
	}
	wg.Wait()
	committed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if len(results[i].NodeAllocation) == 1 {
			committed++
		} else if results[i].RefreshIndex == 0 {
			t.Fatalf("rejected plan %d without a refresh index: %+v", i, results[i])
		}
	}
	if committed != 1 {
		t.Fatalf("%d plans committed, want 1", committed)
	}
	allocs, _ := s.State().AllocsByNode(nil, "n1")
	if len(allocs) != 1 {
		t.Fatalf("%d allocations on n1", len(allocs))
	}
}

func TestPlanQueue_PriorityOrderAndDisable(t *testing.T) {
	q := newPlanQueue()
	if _, err := q.Enqueue(&structs.Plan{}); !errors.Is(err, ErrPlanQueueDisabled) {
		t.Fatalf("enqueue while disabled = %v", err)
	}
	q.SetEnabled(true)
	low, _ := q.Enqueue(&structs.Plan{EvalID: "low", Priority: 10})
	q.Enqueue(&structs.Plan{EvalID: "high", Priority: 90})
	q.Enqueue(&structs.Plan{EvalID: "low2", Priority: 10})
	var got []string
	for range 2 {
		p, err := q.Dequeue(nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.plan.EvalID)
	}
	if fmt.Sprint(got) != "[high low]" {
		t.Fatalf("order = %v", got)
	}
	_ = low
	// Disabling fails what still waits.
	q.SetEnabled(false)
	if _, err := q.Dequeue(nil); !errors.Is(err, ErrPlanQueueDisabled) {
		t.Fatalf("dequeue while disabled = %v", err)
	}
}

// Many plans that each fit alone, checked while earlier ones commit:
// exactly as many as the node holds commit, each checked against the
// results of those before it.
func TestPlanSubmit_OverlappedPlansFillButDoNotOvercommit(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	schedRegisterNode(t, s, planNode("n1"))
	const n = 20
	ids := make([]string, n)
	tokens := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("44444444-0000-0000-0000-%012d", i)
		tokens[i] = dequeueForPlan(t, s, ids[i])
	}
	// 100 of 1000 MHz each: ten fit.
	var wg sync.WaitGroup
	results := make([]*structs.PlanResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = submitPlan(s, &structs.Plan{EvalID: ids[i], EvalToken: tokens[i], Priority: 50,
				NodeAllocation: map[string][]*structs.Allocation{"n1": {planAlloc(fmt.Sprintf("alloc-%d", i), "n1", 100)}}})
		}()
	}
	wg.Wait()
	committed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if len(results[i].NodeAllocation) == 1 {
			committed++
		} else if results[i].RefreshIndex == 0 {
			t.Fatalf("rejected plan %d without a refresh index: %+v", i, results[i])
		}
	}
	allocs, _ := s.State().AllocsByNode(nil, "n1")
	if committed != 10 || len(allocs) != 10 {
		t.Fatalf("%d plans committed, %d allocations on n1; want 10", committed, len(allocs))
	}
}
