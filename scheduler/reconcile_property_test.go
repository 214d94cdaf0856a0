package scheduler

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestReconcileProperties runs the service and batch schedulers over
// randomly generated clusters and allocation histories (seeded, so a
// failure names the seed that reproduces it) and checks, after the plan
// is applied:
//
//   - no more than count allocations of a group are live (not stopped,
//     not finished);
//   - every allocation the plan placed is on a ready, eligible, not
//     draining node;
//   - names are well-formed, and a new (not replacement) allocation
//     shares its name with no other live allocation: duplicates in the
//     input may stay and be replaced, the scheduler never makes new ones.
func TestReconcileProperties(t *testing.T) {
	statuses := []string{
		structs.AllocClientStatusPending, structs.AllocClientStatusRunning, structs.AllocClientStatusRunning,
		structs.AllocClientStatusComplete, structs.AllocClientStatusFailed, structs.AllocClientStatusLost,
	}
	for seed := int64(1); seed <= 150; seed++ {
		rng := rand.New(rand.NewSource(seed))
		h := newHarness(t)
		nodeCount := 1 + rng.Intn(12)
		var nodes []*structs.Node
		for i := 0; i < nodeCount; i++ {
			n := mockNode(i)
			switch rng.Intn(6) {
			case 0:
				n.Status = structs.NodeStatusDown
			case 1:
				n.SchedulingEligibility = structs.NodeSchedulingIneligible
			case 2:
				n.Drain = true
				n.DrainStrategy = &structs.DrainStrategy{}
			}
			n.ComputeClass()
			nodes = append(nodes, n)
		}
		h.upsertNodes(nodes...)

		j := mockJob(fmt.Sprintf("prop-%d", seed))
		if rng.Intn(2) == 0 {
			j = mockBatchJob(j.ID)
		}
		j.TaskGroups[0].Count = rng.Intn(8)
		j.TaskGroups[0].ReschedulePolicy = &structs.ReschedulePolicy{Attempts: rng.Intn(3), Interval: time.Hour, Delay: time.Duration(rng.Intn(60)) * time.Second, DelayFunction: "constant"}
		job := h.upsertJob(j)

		// Existing allocations: random names (duplicates too), nodes
		// (some gone), statuses, versions.
		var allocs []*structs.Allocation
		for i := rng.Intn(14); i > 0; i-- {
			node := nodeID(rng.Intn(nodeCount + 2)) // sometimes a node that does not exist
			a := &structs.Allocation{
				ID:            fmt.Sprintf("%08d-0000-4000-8000-%012d", seed, i),
				Namespace:     job.Namespace,
				EvalID:        "old",
				Name:          structs.AllocName(job.ID, "web", uint(rng.Intn(10))),
				NodeID:        node,
				JobID:         job.ID,
				Job:           job,
				TaskGroup:     "web",
				DesiredStatus: structs.AllocDesiredStatusRun,
				AllocatedResources: &structs.AllocatedResources{
					Tasks: map[string]*structs.AllocatedTaskResources{"web": {Cpu: structs.AllocatedCpuResources{CpuShares: 500}, Memory: structs.AllocatedMemoryResources{MemoryMB: 256}}},
				},
			}
			if rng.Intn(5) == 0 {
				a.DesiredStatus = structs.AllocDesiredStatusStop
			}
			allocs = append(allocs, a)
		}
		if len(allocs) > 0 {
			h.upsertAllocs(allocs...)
			for _, a := range allocs {
				h.setClientStatus(statuses[rng.Intn(len(statuses))], testNow.Add(-time.Duration(rng.Intn(120))*time.Second), a)
			}
		}
		if rng.Intn(3) == 0 {
			// A new version too.
			j.TaskGroups[0].Tasks[0].Env = map[string]string{"V": fmt.Sprint(seed)}
			job = h.upsertJob(j)
		}

		h.process(newEval(job, structs.EvalTriggerJobRegister))

		live := h.liveAllocs(job)
		if len(live) > job.TaskGroups[0].Count {
			t.Fatalf("seed %d: %d live allocations for count %d: %s", seed, len(live), job.TaskGroups[0].Count, names(live))
		}
		byName := map[string]int{}
		for _, a := range live {
			if _, ok := structs.AllocIndex(a.Name); !ok {
				t.Fatalf("seed %d: malformed name %q", seed, a.Name)
			}
			byName[a.Name]++
		}
		for _, a := range live {
			if !containsID(allocs, a.ID) && a.PreviousAllocation == "" && byName[a.Name] > 1 {
				t.Fatalf("seed %d: placed %s, a name already live", seed, a.Name)
			}
		}
		for _, p := range h.plans {
			for nodeID, list := range p.NodeAllocation {
				n, _ := h.state.NodeByID(nil, nodeID)
				for _, a := range list {
					if isNew := !containsID(allocs, a.ID); isNew && (n == nil || !nodeSchedulable(n)) {
						t.Fatalf("seed %d: placed %s on unschedulable node %+v", seed, a.Name, n)
					}
				}
			}
		}
	}
}

func containsID(allocs []*structs.Allocation, id string) bool {
	for _, a := range allocs {
		if a.ID == id {
			return true
		}
	}
	return false
}
