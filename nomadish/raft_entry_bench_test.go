package nomadish

import (
	"fmt"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// BenchmarkRaftEntryCheck measures what proving that an entry decodes
// costs next to encoding it: a plan of 1,000 placements (the plan
// applier's hot path) encoded alone, encoded and decoded again (what
// raftApply does for every other entry), and encoded after
// checkPlanResults (what the plan applier does); and a batch of 1,000
// client status updates through raftApply's encode and decode.
//
//	go test ./nomadish/ -run '^$' -bench BenchmarkRaftEntryCheck
func BenchmarkRaftEntryCheck(b *testing.B) {
	job := mockJob("web")
	job.Canonicalize()
	plan := &structs.ApplyPlanResultsRequest{Job: job, EvalIDs: []string{"eval"}}
	updates := &structs.AllocUpdateRequest{}
	for i := 0; i < 1000; i++ {
		plan.Allocs = append(plan.Allocs, planAlloc(fmt.Sprintf("alloc-%04d", i), fmt.Sprintf("node-%04d", i%500), 100))
		updates.Alloc = append(updates.Alloc, &structs.Allocation{ID: fmt.Sprintf("alloc-%04d", i), ClientStatus: structs.AllocClientStatusRunning,
			TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning,
				Events: []*structs.TaskEvent{{Type: "Started", Message: "Task started by client"}}}}})
	}
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/alloc")
		})
	}
	run("plan/encode", func() error { _, err := structs.Encode(structs.ApplyPlanResultsRequestType, plan); return err })
	run("plan/encode+decode", func() error { _, err := encodeEntry(structs.ApplyPlanResultsRequestType, plan); return err })
	run("plan/check+encode", func() error { _, err := encodePlanResults(plan); return err })
	run("client-updates/encode", func() error { _, err := structs.Encode(structs.AllocClientUpdateRequestType, updates); return err })
	run("client-updates/encode+decode", func() error { _, err := encodeEntry(structs.AllocClientUpdateRequestType, updates); return err })
}
