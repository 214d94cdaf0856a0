package nomadish

import (
	"fmt"
	"testing"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// BenchmarkEvaluatePlan measures the plan applier's check of one plan of
// 1,000 placements spread over 5,000 nodes that already run 20
// allocations each (the middle of the cluster benchmark), with nodes that
// advertise bandwidth, as e2e/nodesim's do.
//
//	go test ./nomadish/ -run '^$' -bench BenchmarkEvaluatePlan
func BenchmarkEvaluatePlan(b *testing.B) {
	const nodes, perNode, placements = 5000, 20, 1000
	st, err := state.NewStateStore(nil)
	if err != nil {
		b.Fatal(err)
	}
	job := mockJob("bench")
	job.TaskGroups[0].Name = "web"
	job.Canonicalize()
	if err := st.UpsertJob(1, job); err != nil {
		b.Fatal(err)
	}
	alloc := func(id, nodeID string) *structs.Allocation {
		a := planAlloc(id, nodeID, 20)
		a.JobID, a.Job = job.ID, job
		a.AllocatedResources.Tasks["app"].Memory.MemoryMB = 32
		return a
	}
	var existing []*structs.Allocation
	ids := make([]string, nodes)
	for i := range ids {
		ids[i] = fmt.Sprintf("node-%05d", i)
		n := schedNode(ids[i], 4000, 8192)
		n.NodeResources.Networks = []*structs.NetworkResource{{Device: "eth0", IP: "10.0.0.1", MBits: 1000}}
		if err := st.UpsertNode(uint64(2+i), n); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < perNode; j++ {
			existing = append(existing, alloc(fmt.Sprintf("e-%d-%d", i, j), ids[i]))
		}
	}
	if err := st.UpsertAllocs(uint64(nodes+10), existing); err != nil {
		b.Fatal(err)
	}
	snap, err := st.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	idx, _ := snap.LatestIndex()
	plan := &structs.Plan{EvalID: "eval", Job: job, NodeAllocation: map[string][]*structs.Allocation{}}
	for i := 0; i < placements; i++ {
		id := ids[(i*7)%nodes]
		plan.NodeAllocation[id] = append(plan.NodeAllocation[id], alloc(fmt.Sprintf("p-%d", i), id))
	}
	logger := testLogger("plan")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		result, req := evaluatePlan(snap, idx, plan, logger)
		if req == nil || result.RefreshIndex != 0 {
			b.Fatalf("plan refused: %+v", result)
		}
	}
	b.ReportMetric(float64(placements)*float64(b.N)/b.Elapsed().Seconds(), "placements/s")
}
