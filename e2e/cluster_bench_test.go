//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/e2e/nodesim"
)

// Cluster benchmark size; NOMADISH_BENCH_NODES, _JOBS and _COUNT shrink
// it for a quick run.
const (
	benchNodes    = 5000
	benchJobs     = 100
	benchCount    = 1000
	benchDeadline = 10 * time.Minute
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCluster100kAllocs measures the whole scheduling path on three
// server processes over loopback: 100 service jobs of count 1,000 are
// registered over HTTP against 5,000 simulated nodes (e2e/nodesim, over
// RPC), and the clock stops when the job summaries count all 100,000
// allocations running, i.e. placed by the schedulers, committed by the
// plan applier, picked up by the nodes' blocking queries and acknowledged
// through Node.UpdateAlloc. Reported as s/100k-allocs (scaled when the
// size is overridden). It is a Benchmark so that `make e2e` (no -bench)
// skips it:
//
//	go build -o bin/nomadish . && NOMADISH_BIN=$PWD/bin/nomadish \
//	  go test -tags e2e -run '^$' -bench Cluster100k -benchtime 1x -timeout 30m ./e2e/
func BenchmarkCluster100kAllocs(b *testing.B) {
	nodes := envInt("NOMADISH_BENCH_NODES", benchNodes)
	jobs := envInt("NOMADISH_BENCH_JOBS", benchJobs)
	count := envInt("NOMADISH_BENCH_COUNT", benchCount)

	c := startCluster(b, 3)
	leader, _ := c.waitStable(c.servers, 3, 60*time.Second)
	if leader == nil {
		b.Fatal("no stable leader")
	}
	var rpcAddrs []string
	for _, s := range c.servers {
		rpcAddrs = append(rpcAddrs, s.rpcAddr())
		b.Logf("%s: pprof at http://127.0.0.1:%d/debug/pprof/ (leader: %t)", s.name, s.ports.HTTP, s == leader)
	}
	start := time.Now()
	sim, err := nodesim.Start(context.Background(), nodesim.Config{
		Servers: rpcAddrs, Nodes: nodes, Seed: 42,
		Logger: hclog.New(&hclog.LoggerOptions{Name: "nodesim", Level: hclog.Warn}),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Stop()
	b.Logf("registered %d simulated nodes in %s", nodes, time.Since(start).Round(time.Millisecond))
	cl := leader.client(30 * time.Second)

	b.ResetTimer()
	for iter := 0; iter < b.N; iter++ {
		start := time.Now()
		ids := make([]string, jobs)
		var wg sync.WaitGroup
		errs := make(chan error, jobs)
		for j := range jobs {
			ids[j] = fmt.Sprintf("bench-%d-%d", iter, j)
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				if _, _, err := cl.Jobs().Register(benchJob(id, count), nil); err != nil {
					errs <- fmt.Errorf("register %s: %w", id, err)
				}
			}(ids[j])
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.Logf("registered %d jobs in %s", jobs, time.Since(start).Round(time.Millisecond))

		want := jobs * count
		var last string
		lastProgress := start
		waitFor(b, benchDeadline, 500*time.Millisecond, func() (bool, string) {
			running, starting := 0, 0
			for _, id := range ids {
				sum, _, err := cl.Jobs().Summary(id, nil)
				if err != nil {
					return false, fmt.Sprintf("summary %s: %v", id, err)
				}
				for _, tg := range sum.Summary {
					running += tg.Running
					starting += tg.Starting
				}
			}
			last = fmt.Sprintf("%d of %d running after %s; sim %+v", running, want, time.Since(start).Round(time.Second), sim.Stats())
			// Progress every 10s shows whether placing (placed = starting
			// + running) or acknowledging lags.
			if time.Since(lastProgress) >= 10*time.Second {
				lastProgress = time.Now()
				b.Logf("after %s: %d placed, %d running", time.Since(start).Round(time.Second), starting+running, running)
			}
			return running == want, last
		})
		secs := time.Since(start).Seconds()
		b.Logf("all %d allocations running in %.1fs; %s", want, secs, last)
		b.ReportMetric(secs*100000/float64(want), "s/100k-allocs")
	}
}

// benchJob is a service job of count allocations small enough that 20 fit
// on each simulated node (4000 MHz, 8 GiB).
func benchJob(id string, count int) *api.Job {
	return &api.Job{
		ID:          id,
		Type:        api.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*api.TaskGroup{{
			Name:  "g",
			Count: count,
			Tasks: []*api.Task{{
				Name:      "t",
				Driver:    "mock",
				Config:    map[string]interface{}{"run_for": "1h"},
				Resources: &api.Resources{CPU: 20, MemoryMB: 32},
			}},
		}},
	}
}
