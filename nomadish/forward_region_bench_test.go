package nomadish

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// benchRegions is two single-server regions, global and eu, federated
// over the WAN pool on loopback, with a job registered in each.
func benchRegions(b *testing.B) (global, eu *Server) {
	global = testServer(b, nil)
	eu = testServer(b, func(c *Config) { c.Region = "eu" })
	federate(b, global, eu)
	for _, s := range []*Server{global, eu} {
		var resp structs.JobRegisterResponse
		if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob("bench")}, &resp); err != nil {
			b.Fatal(err)
		}
	}
	return global, eu
}

// benchRPC calls one RPC b.N times through s and reports the latency's
// median and 99th percentile.
func benchRPC(b *testing.B, call func(i int) error) {
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := call(i); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
}

// BenchmarkRegionRead reads a job (Job.GetJob, served by the leader) from
// the global server, of its own region and, forwarded over loopback, of
// eu.
func BenchmarkRegionRead(b *testing.B) {
	global, _ := benchRegions(b)
	for _, region := range []string{"global", "eu"} {
		b.Run(region, func(b *testing.B) {
			benchRPC(b, func(int) error {
				var resp structs.SingleJobResponse
				return global.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: "bench",
					QueryOptions: structs.QueryOptions{Region: region}}, &resp)
			})
		})
	}
}

// BenchmarkRegionWrite registers a job (a Raft write and its evaluation)
// through the global server, in its own region and, forwarded, in eu.
func BenchmarkRegionWrite(b *testing.B) {
	global, _ := benchRegions(b)
	for _, region := range []string{"global", "eu"} {
		b.Run(region, func(b *testing.B) {
			benchRPC(b, func(i int) error {
				job := mockJob(fmt.Sprintf("w-%d", i%50))
				job.Meta = map[string]string{"i": fmt.Sprint(i)}
				var resp structs.JobRegisterResponse
				return global.RPC("Job.Register", &structs.JobRegisterRequest{Job: job,
					WriteRequest: structs.WriteRequest{Region: region}}, &resp)
			})
		})
	}
}
