package structs

import (
	"strings"
	"testing"
)

func usageAlloc(id string, modify uint64, cpu, memMB int64, ports ...int) *Allocation {
	a := &Allocation{ID: id, ModifyIndex: modify, DesiredStatus: AllocDesiredStatusRun, ClientStatus: AllocClientStatusRunning,
		AllocatedResources: &AllocatedResources{Tasks: map[string]*AllocatedTaskResources{
			"t": {Cpu: AllocatedCpuResources{CpuShares: cpu}, Memory: AllocatedMemoryResources{MemoryMB: memMB}}}}}
	for _, p := range ports {
		a.AllocatedResources.Shared.Ports = append(a.AllocatedResources.Shared.Ports, AllocatedPortMapping{Label: "p", Value: p})
	}
	return a
}

func usageNode() *Node {
	return &Node{ID: "n1", NodeResources: &NodeResources{Cpu: NodeCpuResources{CpuShares: 1000}, Memory: NodeMemoryResources{MemoryMB: 1000}}}
}

// The cache answers for a node's allocations as long as their count and
// newest ModifyIndex are unchanged, and sums again when either moves.
func TestUsageCacheKeysOnCountAndNewestIndex(t *testing.T) {
	view := UsageView{Cache: &UsageCache{}}
	a, b := usageAlloc("a", 5, 100, 100), usageAlloc("b", 7, 200, 200)
	if got := view.Used("n1", []*Allocation{a, b}); got.CPU != 300 || got.MemoryMB != 300 {
		t.Fatalf("first sum = %+v, want 300 MHz / 300 MB", got)
	}

	// b stops (a new version at a newer index): no longer counted.
	stopped := *b
	stopped.ModifyIndex, stopped.DesiredStatus = 9, AllocDesiredStatusStop
	if got := view.Used("n1", []*Allocation{a, &stopped}); got.CPU != 100 {
		t.Fatalf("after b stopped: %d MHz, want 100", got.CPU)
	}
	// a is garbage-collected: the count moves.
	if got := view.Used("n1", []*Allocation{&stopped}); got.CPU != 0 {
		t.Fatalf("after a was removed: %d MHz, want 0", got.CPU)
	}
	// The same set as before is answered from the cache: prove it by
	// handing over allocations that would sum differently.
	view.Used("n1", []*Allocation{a, b})
	fake := usageAlloc("a", 5, 999, 999)
	if got := view.Used("n1", []*Allocation{fake, b}); got.CPU != 300 {
		t.Fatalf("unchanged key summed again: %d MHz, want the cached 300", got.CPU)
	}
}

// A view of a state written to privately from some index on does not
// read or store entries that involve allocations written there.
func TestUsageViewDivergedSkipsPrivateWrites(t *testing.T) {
	cache := &UsageCache{}
	shared := UsageView{Cache: cache}
	private := UsageView{Cache: cache, Diverged: 10}
	a := usageAlloc("a", 5, 100, 100)
	optimistic := usageAlloc("x", 10, 400, 400) // written privately at 10
	real := usageAlloc("y", 10, 50, 50)         // the real entry 10

	if got := private.Used("n1", []*Allocation{a, optimistic}); got.CPU != 500 {
		t.Fatalf("private state: %d MHz, want 500", got.CPU)
	}
	if got := shared.Used("n1", []*Allocation{a, real}); got.CPU != 150 {
		t.Fatalf("real state after the private one: %d MHz, want 150 (not the private sum)", got.CPU)
	}
	if got := private.Used("n1", []*Allocation{a, optimistic}); got.CPU != 500 {
		t.Fatalf("private state after the real one: %d MHz, want 500", got.CPU)
	}
	// Nodes the private writes did not touch share the cache.
	if got := private.Used("n2", []*Allocation{a}); got.CPU != 100 {
		t.Fatalf("untouched node: %d MHz", got.CPU)
	}
	if _, ok := cache.entries["n2"]; !ok {
		t.Error("an untouched node's sum was not kept")
	}
}

// Fits agrees with AllocsFit, including port collisions, which it checks
// allocation by allocation.
func TestUsageViewFitsMatchesAllocsFit(t *testing.T) {
	node := usageNode()
	view := UsageView{Cache: &UsageCache{}}
	// Each case is a later state of the node, with its own newest index.
	cases := []struct {
		name       string
		existing   []*Allocation
		placements []*Allocation
	}{
		{"fits", []*Allocation{usageAlloc("a", 1, 300, 300)}, []*Allocation{usageAlloc("p", 0, 300, 300)}},
		{"cpu exhausted", []*Allocation{usageAlloc("a", 5, 800, 100)}, []*Allocation{usageAlloc("p", 0, 300, 100)}},
		{"port collision", []*Allocation{usageAlloc("a", 2, 10, 10, 8080)}, []*Allocation{usageAlloc("p", 0, 10, 10, 8080)}},
		{"ports apart", []*Allocation{usageAlloc("a", 3, 10, 10, 8080)}, []*Allocation{usageAlloc("p", 0, 10, 10, 9090)}},
	}
	for _, tc := range cases {
		wantOK, wantDim := AllocsFit(node, append(append([]*Allocation{}, tc.existing...), tc.placements...))
		for round := 0; round < 2; round++ { // computed, then cached
			ok, dim := view.Fits(node, tc.existing, tc.placements)
			if ok != wantOK || dim != wantDim {
				t.Errorf("%s (round %d): Fits = %v %q, AllocsFit = %v %q", tc.name, round, ok, dim, wantOK, wantDim)
			}
		}
	}
	if ok, dim := view.Fits(node, nil, []*Allocation{usageAlloc("p", 0, 2000, 1)}); ok || !strings.Contains(dim, "cpu") {
		t.Errorf("oversized placement: %v %q", ok, dim)
	}
}
