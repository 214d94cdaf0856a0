package state

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// allocWriteStore is a store holding jobs × perJob running allocations
// spread over nodes, as in the cluster benchmark, and the allocations.
func allocWriteStore(b *testing.B, jobs, perJob, nodes int) (*StateStore, []*structs.Job, []*structs.Allocation) {
	b.Helper()
	s, err := NewStateStore(nil)
	if err != nil {
		b.Fatal(err)
	}
	var index uint64 = 1
	var js []*structs.Job
	var allocs []*structs.Allocation
	for j := range jobs {
		job := testJob(fmt.Sprintf("job-%d", j))
		index++
		if err := s.UpsertJob(index, job); err != nil {
			b.Fatal(err)
		}
		job, _ = s.JobByID(nil, job.Namespace, job.ID)
		js = append(js, job)
		batch := make([]*structs.Allocation, 0, perJob)
		for i := range perJob {
			a := testAlloc(job, uuid.NewString(), fmt.Sprintf("node-%d", (j*perJob+i)%nodes))
			a.EvalID = uuid.NewString()
			a.AllocatedResources = &structs.AllocatedResources{Tasks: map[string]*structs.AllocatedTaskResources{
				"app": {Cpu: structs.AllocatedCpuResources{CpuShares: 20}, Memory: structs.AllocatedMemoryResources{MemoryMB: 32}}}}
			batch = append(batch, a)
		}
		index++
		if err := s.UpsertPlanResults(index, &structs.ApplyPlanResultsRequest{Allocs: batch, Job: job}); err != nil {
			b.Fatal(err)
		}
		allocs = append(allocs, batch...)
	}
	return s, js, allocs
}

// BenchmarkUpsertPlanResults1000 commits plans of 1,000 new allocations
// into a store already holding 90,000: the FSM's cost of a plan entry,
// paid by every server.
func BenchmarkUpsertPlanResults1000(b *testing.B) {
	s, js, _ := allocWriteStore(b, 90, 1000, 5000)
	job := js[0]
	index := uint64(1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := make([]*structs.Allocation, 1000)
		for k := range batch {
			a := testAlloc(job, uuid.NewString(), fmt.Sprintf("node-%d", k*5))
			a.EvalID = "eval-x"
			batch[k] = a
		}
		b.StartTimer()
		index++
		if err := s.UpsertPlanResults(index, &structs.ApplyPlanResultsRequest{Allocs: batch, Job: job}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "µs/alloc")
}

// BenchmarkUpdateAllocsFromClient200 applies clients' reports of 200
// allocations (running) among 90,000: the FSM's cost of a client-update
// entry.
func BenchmarkUpdateAllocsFromClient200(b *testing.B) {
	s, _, allocs := allocWriteStore(b, 90, 1000, 5000)
	index := uint64(1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		updates := make([]*structs.Allocation, 200)
		for k := range updates {
			a := allocs[(i*200+k*449)%len(allocs)]
			updates[k] = &structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusRunning,
				TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning}}}
		}
		index++
		if err := s.UpdateAllocsFromClient(index, updates); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*200), "µs/alloc")
}
