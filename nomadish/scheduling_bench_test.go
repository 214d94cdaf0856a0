package nomadish

import (
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// BenchmarkPipeline_ServiceJob measures the whole server-side path of one
// large service job on one in-process server: Job.Register through Raft,
// broker, a worker running the service scheduler, Plan.Submit, the plan
// applier and the Raft commit of the allocations. Nodes are registered
// through Raft beforehand, outside the timer.
//
//	go test ./nomadish/ -run '^$' -bench BenchmarkPipeline -benchtime 1x
func BenchmarkPipeline_ServiceJob(b *testing.B) {
	for _, tc := range []struct{ nodes, count int }{{1000, 2000}, {5000, 10000}} {
		b.Run(fmt.Sprintf("nodes=%d/count=%d", tc.nodes, tc.count), func(b *testing.B) {
			s := testServer(b, func(c *Config) { c.NumSchedulers = 1 })
			waitForLeader(b, s)
			nodes := make([]*structs.Node, tc.nodes)
			for i := range nodes {
				nodes[i] = schedNode(fmt.Sprintf("node-%05d", i), 4000, 8192)
				nodes[i].ComputeClass()
			}
			for _, n := range nodes {
				if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: n}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			var placed int
			for i := 0; i < b.N; i++ {
				job := mockJob(fmt.Sprintf("big-%d", i))
				job.TaskGroups[0].Count = tc.count
				var resp structs.JobRegisterResponse
				if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp); err != nil {
					b.Fatal(err)
				}
				deadline := time.Now().Add(5 * time.Minute)
				for {
					e, _ := s.State().EvalByID(nil, resp.EvalID)
					if e != nil && e.TerminalStatus() {
						if e.Status != structs.EvalStatusComplete || len(e.FailedTGAllocs) > 0 {
							b.Fatalf("eval %s: %s %v", e.ID, e.Status, e.FailedTGAllocs)
						}
						break
					}
					if time.Now().After(deadline) {
						b.Fatal("evaluation did not finish")
					}
					time.Sleep(5 * time.Millisecond)
				}
				placed += tc.count
			}
			b.ReportMetric(float64(placed)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}
