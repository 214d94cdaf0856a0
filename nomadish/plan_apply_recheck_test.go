package nomadish

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// volumeJob is the "web" job of planAlloc whose group asks for the host
// volume source "data", read-only or not.
func volumeJob(readOnly bool) *structs.Job {
	job := mockJob("web")
	job.TaskGroups[0].Name = "web"
	job.TaskGroups[0].Volumes = map[string]*structs.VolumeRequest{
		"d": {Name: "d", Type: structs.VolumeTypeHost, Source: "data", ReadOnly: readOnly},
	}
	return job
}

// recheckSnap holds nodes as given, with no allocations.
func recheckSnap(t *testing.T, nodes ...*structs.Node) (*state.StateSnapshot, uint64) {
	t.Helper()
	st, err := state.NewStateStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if err := st.UpsertNode(uint64(i+1), n); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := st.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := snap.LatestIndex()
	return snap, idx
}

// The applier re-checks host volumes: a node that lost the volume, or
// now offers it read-only to a group that writes, refuses the placement.
func TestEvaluatePlanRechecksHostVolumes(t *testing.T) {
	withVol := func(id string, readOnly bool) *structs.Node {
		n := planNode(id)
		n.HostVolumes = map[string]*structs.ClientHostVolumeConfig{"data": {Name: "data", Path: "/srv/data", ReadOnly: readOnly}}
		return n
	}
	cases := []struct {
		name     string
		node     *structs.Node
		readOnly bool // the group's request
		inAlloc  bool // job carried by the allocation rather than the plan
		want     string
	}{
		{name: "volume present", node: withVol("n", false)},
		{name: "volume present, job on the allocation", node: withVol("n", false), inAlloc: true},
		{name: "read-only volume for a read-only request", node: withVol("n", true), readOnly: true},
		{name: "volume gone", node: planNode("n"), want: `host volume "d" (source "data") missing`},
		{name: "volume gone, job on the allocation", node: planNode("n"), inAlloc: true, want: "missing"},
		{name: "volume became read-only", node: withVol("n", true), want: "read-only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap, idx := recheckSnap(t, tc.node)
			job := volumeJob(tc.readOnly)
			a := planAlloc("a", "n", 100)
			plan := &structs.Plan{EvalID: "eval", Job: job, NodeAllocation: map[string][]*structs.Allocation{"n": {a}}}
			if tc.inAlloc {
				a.Job, plan.Job = job, nil
			}
			ok, reason := evaluateNodePlan(snap, plan, "n")
			if tc.want == "" {
				if !ok {
					t.Fatalf("refused: %s", reason)
				}
				if result, _ := evaluatePlan(snap, idx, plan, testLogger("plan")); len(result.NodeAllocation["n"]) != 1 {
					t.Fatalf("not committed: %+v", result)
				}
				return
			}
			if ok || !strings.Contains(reason, tc.want) {
				t.Fatalf("check = %v %q, want refusal with %q", ok, reason, tc.want)
			}
			if result, _ := evaluatePlan(snap, idx, plan, testLogger("plan")); len(result.NodeAllocation) != 0 || result.RefreshIndex != idx {
				t.Fatalf("result = %+v, want nothing committed and refresh at %d", result, idx)
			}
		})
	}
}

// bwAlloc is a planAlloc whose group network takes mbits on device.
func bwAlloc(id string, mbits int, device string) *structs.Allocation {
	a := planAlloc(id, "n", 10)
	a.AllocatedResources.Shared.Networks = []*structs.NetworkResource{{Device: device, IP: "10.0.0.1", MBits: mbits}}
	return a
}

// The applier re-checks bandwidth per node network when the node
// advertises it.
func TestEvaluatePlanRechecksBandwidth(t *testing.T) {
	node := func(nets ...*structs.NetworkResource) *structs.Node {
		n := planNode("n")
		n.NodeResources.Networks = nets
		return n
	}
	eth0 := &structs.NetworkResource{Device: "eth0", IP: "10.0.0.1", MBits: 100}
	eth1 := &structs.NetworkResource{Device: "eth1", IP: "10.0.1.1", MBits: 1000}
	cases := []struct {
		name   string
		node   *structs.Node
		allocs []*structs.Allocation
		fits   bool
	}{
		{name: "within bandwidth", node: node(eth0), allocs: []*structs.Allocation{bwAlloc("a", 60, ""), bwAlloc("b", 40, "")}, fits: true},
		{name: "over bandwidth", node: node(eth0), allocs: []*structs.Allocation{bwAlloc("a", 60, ""), bwAlloc("b", 41, "")}},
		{name: "counted on the named device", node: node(eth0, eth1), allocs: []*structs.Allocation{bwAlloc("a", 600, "eth1"), bwAlloc("b", 400, "eth1")}, fits: true},
		{name: "named device over", node: node(eth0, eth1), allocs: []*structs.Allocation{bwAlloc("a", 90, "eth0"), bwAlloc("b", 20, "eth0")}},
		{name: "node advertises no bandwidth", node: node(&structs.NetworkResource{Device: "eth0", IP: "10.0.0.1"}),
			allocs: []*structs.Allocation{bwAlloc("a", 5000, "")}, fits: true},
		{name: "task networks count too", node: node(eth0), allocs: func() []*structs.Allocation {
			a := bwAlloc("a", 60, "")
			a.AllocatedResources.Tasks["app"].Networks = []*structs.NetworkResource{{IP: "10.0.0.1", MBits: 50}}
			return []*structs.Allocation{a}
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, dim := structs.AllocsFit(tc.node, tc.allocs)
			if ok != tc.fits || (!ok && dim != structs.DimensionBandwidth) {
				t.Fatalf("AllocsFit = %v %q, want %v", ok, dim, tc.fits)
			}
			snap, _ := recheckSnap(t, tc.node)
			plan := &structs.Plan{EvalID: "eval", NodeAllocation: map[string][]*structs.Allocation{"n": tc.allocs}}
			if ok, reason := evaluateNodePlan(snap, plan, "n"); ok != tc.fits {
				t.Fatalf("evaluateNodePlan = %v %q, want %v", ok, reason, tc.fits)
			}
		})
	}
}

// A plan over many nodes is checked in parallel; the outcome is the same
// node by node as a sequential check.
func TestEvaluatePlanManyNodesInParallel(t *testing.T) {
	const nodes = 5 * planCheckNodesPerWorker
	var list []*structs.Node
	plan := &structs.Plan{EvalID: "eval", NodeAllocation: map[string][]*structs.Allocation{}}
	down := map[string]bool{}
	for i := 0; i < nodes; i++ {
		n := planNode(fmt.Sprintf("n%03d", i))
		if i%7 == 3 {
			n.Status = structs.NodeStatusDown
			down[n.ID] = true
		}
		list = append(list, n)
		plan.NodeAllocation[n.ID] = []*structs.Allocation{planAlloc(fmt.Sprintf("a%03d", i), n.ID, 100)}
	}
	snap, idx := recheckSnap(t, list...)
	result, req := evaluatePlan(snap, idx, plan, testLogger("plan"))
	if result.RefreshIndex != idx || req == nil {
		t.Fatalf("refresh %d, request %v", result.RefreshIndex, req != nil)
	}
	for _, n := range list {
		if got := len(result.NodeAllocation[n.ID]) == 1; got == down[n.ID] {
			t.Errorf("node %s (down %v): committed %v", n.ID, down[n.ID], got)
		}
	}
	if len(req.Allocs) != nodes-len(down) {
		t.Errorf("%d allocations in the entry, want %d", len(req.Allocs), nodes-len(down))
	}
}
