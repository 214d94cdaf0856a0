package state

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestIncrementalSummaryMatchesFullRecount drives a store through a seeded
// random sequence of scheduler writes, client updates, lost nodes and
// evaluations, and checks after every step that the incrementally kept
// job summary equals one counted from scratch.
func TestIncrementalSummaryMatchesFullRecount(t *testing.T) {
	statuses := []string{
		structs.AllocClientStatusPending, structs.AllocClientStatusRunning, structs.AllocClientStatusComplete,
		structs.AllocClientStatusFailed, structs.AllocClientStatusLost, structs.AllocClientStatusUnknown,
	}
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := testStore(t)
		job := testJob("web")
		job.TaskGroups = append(job.TaskGroups, &structs.TaskGroup{Name: "db", Count: 1,
			Tasks: []*structs.Task{{Name: "t", Driver: "mock"}}})
		index := uint64(1)
		must(t, s.UpsertJob(index, job))
		stored, _ := s.JobByID(nil, "default", "web")

		var ids []string
		for step := 0; step < 60; step++ {
			index++
			switch rng.Intn(5) {
			case 0, 1: // the scheduler places or rewrites allocations
				var batch []*structs.Allocation
				for i := rng.Intn(4) + 1; i > 0; i-- {
					id := fmt.Sprintf("a%d", rng.Intn(12))
					a := testAlloc(stored, id, fmt.Sprintf("n%d", rng.Intn(3)))
					a.TaskGroup = []string{"web", "db"}[rng.Intn(2)]
					if rng.Intn(4) == 0 {
						a.DesiredStatus = structs.AllocDesiredStatusStop
						a.ClientStatus = structs.AllocClientStatusLost
					}
					batch = append(batch, a)
					ids = append(ids, id)
				}
				must(t, s.UpsertAllocs(index, batch))
			case 2: // a client reports
				if len(ids) == 0 {
					continue
				}
				existing, _ := s.AllocByID(nil, ids[rng.Intn(len(ids))])
				if existing == nil {
					continue
				}
				update := *existing
				update.ClientStatus = statuses[rng.Intn(len(statuses))]
				must(t, s.UpdateAllocsFromClient(index, []*structs.Allocation{&update}))
			case 3: // a node dies
				node := &structs.Node{ID: fmt.Sprintf("n%d", rng.Intn(3)), Name: "n", Datacenter: "dc1", Status: structs.NodeStatusReady}
				must(t, s.UpsertNode(index, node))
				index++
				if _, err := s.UpdateNodeStatusLost(index, node.ID, structs.NodeStatusDown, 1, nil); err != nil {
					t.Fatal(err)
				}
			case 4: // an evaluation reports queued allocations
				must(t, s.UpsertEvals(index, []*structs.Evaluation{{ID: fmt.Sprintf("e%d", step), Namespace: "default", JobID: "web",
					Status: structs.EvalStatusComplete, QueuedAllocations: map[string]int{"web": rng.Intn(3)}}}))
			}
			got, err := s.JobSummaryByID(nil, "default", "web")
			must(t, err)
			want := recount(t, s, stored, got)
			if !reflect.DeepEqual(got.Summary, want) {
				t.Fatalf("seed %d step %d: summary %+v, counted %+v", seed, step, got.Summary, want)
			}
		}
	}
}

// recount counts a job's allocations by group and client status from
// scratch, taking the queued counts from the stored summary.
func recount(t *testing.T, s *StateStore, job *structs.Job, stored *structs.JobSummary) map[string]structs.TaskGroupSummary {
	t.Helper()
	out := map[string]structs.TaskGroupSummary{}
	for _, tg := range job.TaskGroups {
		out[tg.Name] = structs.TaskGroupSummary{Queued: stored.Summary[tg.Name].Queued}
	}
	allocs, err := s.AllocsByJob(nil, job.Namespace, job.ID, true)
	must(t, err)
	for _, a := range allocs {
		tg := out[a.TaskGroup]
		countStatus(&tg, a.ClientStatus, 1)
		out[a.TaskGroup] = tg
	}
	return out
}
