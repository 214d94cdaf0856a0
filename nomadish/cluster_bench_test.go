package nomadish

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// benchCluster starts three servers on loopback with durable log stores
// (raft-wal under temp data dirs) and Raft's production timings, joined
// over gossip with bootstrap_expect=3, and waits for a leader.
func benchCluster(b *testing.B) []*Server {
	b.Helper()
	servers := make([]*Server, 3)
	for i := range servers {
		servers[i] = testServer(b, func(c *Config) {
			c.BootstrapExpect = 3
			c.RaftConfig = raft.DefaultConfig()
			c.RaftConfig.ShutdownOnRemove = false
			c.RaftTimeout = 10 * time.Second
			c.RPCHoldTimeout = 5 * time.Second
		})
	}
	joinLAN(b, servers[0], servers[1:]...)
	waitFor(b, 30*time.Second, func() error {
		for _, s := range servers {
			var peers []string
			if err := s.RPC("Status.Peers", &structs.GenericRequest{}, &peers); err != nil {
				return err
			}
			if len(peers) != 3 {
				return fmt.Errorf("%s has %d peers", s.config.NodeName, len(peers))
			}
		}
		return nil
	})
	waitForLeader(b, servers...)
	return servers
}

// BenchmarkClusterJobRegister measures Raft-committed job registrations per
// second through the leader of a three-server cluster, 32 writers at once,
// each registration one log entry replicated to a quorum and fsynced.
func BenchmarkClusterJobRegister(b *testing.B) {
	const perIteration = 2000
	const writers = 128
	servers := benchCluster(b)
	leader := waitForLeader(b, servers...)

	var seq atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		var next atomic.Int64
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= perIteration {
					job := mockJob(fmt.Sprintf("bench-%d", seq.Add(1)))
					var resp structs.JobRegisterResponse
					if err := leader.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatalf("register: %v", err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*perIteration)/elapsed.Seconds(), "registrations/s")
}

// BenchmarkClusterFailover measures the time from the leader's death (its
// process-level shutdown, without leaving gossip or Raft) to the first job
// registration a survivor accepts, with Raft's production timings.
func BenchmarkClusterFailover(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		servers := benchCluster(b)
		leader := waitForLeader(b, servers...)
		registerBenchJob(b, leader, "before")
		var survivors []*Server
		for _, s := range servers {
			if s != leader {
				survivors = append(survivors, s)
			}
		}
		b.StartTimer()

		killed := time.Now()
		leader.Shutdown()
		var accepted time.Duration
		waitFor(b, 30*time.Second, func() error {
			var lastErr error
			for _, s := range survivors {
				var resp structs.JobRegisterResponse
				err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob("after")}, &resp)
				if err == nil {
					accepted = time.Since(killed)
					return nil
				}
				lastErr = err
			}
			return lastErr
		})
		total += accepted

		b.StopTimer()
		// Nothing acknowledged before the kill is lost.
		for _, s := range survivors {
			waitFor(b, 10*time.Second, func() error {
				job, err := s.State().JobByID(nil, "default", "before")
				if err != nil || job == nil {
					return fmt.Errorf("job written before the kill missing on %s: %v", s.config.NodeName, err)
				}
				return nil
			})
		}
		for _, s := range survivors {
			s.Shutdown()
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "failover-ms")
}

func registerBenchJob(b *testing.B, s *Server, id string) {
	b.Helper()
	var resp structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob(id)}, &resp); err != nil {
		b.Fatalf("register %s: %v", id, err)
	}
}
