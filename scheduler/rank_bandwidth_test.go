package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A group asking for bandwidth gets only as many placements per node as
// the node's network carries (mock nodes offer 1000 MBits on eth0), and
// the shortfall is reported as exhausted bandwidth, matching what the
// plan applier would refuse.
func TestService_BandwidthLimitsPlacements(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockJob("bw")
	j.TaskGroups[0].Count = 5
	j.TaskGroups[0].Networks = []*structs.NetworkResource{{MBits: 400}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	perNode := map[string][]*structs.Allocation{}
	for _, a := range h.liveAllocs(job) {
		perNode[a.NodeID] = append(perNode[a.NodeID], a)
	}
	for i := 0; i < 2; i++ {
		placed := perNode[nodeID(i)]
		if len(placed) != 2 {
			t.Fatalf("%d placements on node %d, want 2", len(placed), i)
		}
		// The plan applier agrees.
		if ok, dim := structs.AllocsFit(mockNode(i), placed); !ok {
			t.Fatalf("node %d: applier refuses: %s", i, dim)
		}
		if ok, _ := structs.AllocsFit(mockNode(i), append(placed, perNode[nodeID(1-i)][0])); ok {
			t.Fatalf("node %d: applier accepts a third 400 MBits", i)
		}
	}
	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil || m.DimensionExhausted[structs.DimensionBandwidth] != 2 {
		t.Fatalf("metric %+v", m)
	}
}
