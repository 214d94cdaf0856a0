package nodesim

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// testServer starts a single dev-mode server on loopback with short
// heartbeat TTLs: 1s for 50 nodes plus up to 1s of stagger, 500ms grace.
func testServer(t *testing.T) *nomadish.Server {
	t.Helper()
	cfg := nomadish.DefaultConfig()
	cfg.DevMode = true
	cfg.NodeName = "sim-server"
	level := hclog.Off
	if v := os.Getenv("NOMADISH_TEST_LOG"); v != "" {
		level = hclog.LevelFromString(v)
	}
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "server", Level: level})
	cfg.RPCAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for _, sc := range []*memberlist.Config{cfg.SerfLANConfig.MemberlistConfig, cfg.SerfWANConfig.MemberlistConfig} {
		sc.BindAddr, sc.BindPort, sc.AdvertisePort = "127.0.0.1", 0, 0
	}
	cfg.MinHeartbeatTTL = 500 * time.Millisecond
	cfg.HeartbeatGrace = 500 * time.Millisecond
	cfg.RaftConfig.HeartbeatTimeout = 100 * time.Millisecond
	cfg.RaftConfig.ElectionTimeout = 100 * time.Millisecond
	cfg.RaftConfig.LeaderLeaseTimeout = 50 * time.Millisecond
	s, err := nomadish.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	waitFor(t, 10*time.Second, func() error {
		if !s.IsLeader() {
			return fmt.Errorf("not leader yet")
		}
		return nil
	})
	return s
}

func waitFor(t *testing.T, within time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countNodes(t *testing.T, s *nomadish.Server, status string) (int, []string) {
	t.Helper()
	var resp structs.NodeListResponse
	if err := s.RPC("Node.List", &structs.NodeListRequest{}, &resp); err != nil {
		t.Fatal(err)
	}
	n := 0
	var other []string
	for _, stub := range resp.Nodes {
		if stub.Status == status {
			n++
		} else {
			other = append(other, stub.Name+"="+stub.Status)
		}
	}
	return n, other
}

func TestSimulatedNodesStayReadyWhileHeartbeating(t *testing.T) {
	s := testServer(t)
	const nodes = 50
	sim, err := Start(context.Background(), Config{Servers: []string{s.RPCAdvertise().String()}, Nodes: nodes, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			sim.Stop()
		}
	}()
	if ready, other := countNodes(t, s, structs.NodeStatusReady); ready != nodes {
		t.Fatalf("ready after registration = %d; others %v", ready, other)
	}

	// Five heartbeats per node on average outlast every node's TTL plus
	// grace (at most 2.5s) several times over.
	waitFor(t, 30*time.Second, func() error {
		if st := sim.Stats(); st.Heartbeats < 5*nodes {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
	if ready, other := countNodes(t, s, structs.NodeStatusReady); ready != nodes {
		t.Fatalf("ready while heartbeating = %d; others %v", ready, other)
	}
	for _, id := range sim.NodeIDs() {
		var resp structs.SingleNodeResponse
		if err := s.RPC("Node.GetNode", &structs.NodeSpecificRequest{NodeID: id}, &resp); err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Node.Events {
			if e.Message == "Node heartbeat missed" {
				t.Fatalf("node %s missed a heartbeat", resp.Node.Name)
			}
		}
		if resp.Node.NodeResources.Cpu.CpuShares != 4000 || !resp.Node.Drivers["mock"].Healthy || resp.Node.Attributes["unique.hostname"] != resp.Node.Name {
			t.Fatalf("node = %+v", resp.Node)
		}
	}
	if st := sim.Stats(); st.HeartbeatErrors != 0 || st.Registered != nodes {
		t.Fatalf("stats %+v", st)
	}

	// Without heartbeats the leader marks them all down.
	sim.Stop()
	stopped = true
	waitFor(t, 15*time.Second, func() error {
		if down, other := countNodes(t, s, structs.NodeStatusDown); down != nodes {
			return fmt.Errorf("%d down; others %v", down, other)
		}
		return nil
	})
}

func TestSimulatedNodesAcknowledgeAllocations(t *testing.T) {
	s := testServer(t)
	sim, err := Start(context.Background(), Config{Servers: []string{s.RPCAdvertise().String()}, Nodes: 10, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()

	job := &structs.Job{ID: "web", Type: structs.JobTypeService, Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{Name: "app", Count: 20,
			Tasks: []*structs.Task{{Name: "t", Driver: "mock", Config: map[string]interface{}{"run_for": "1h"},
				Resources: &structs.Resources{CPU: 100, MemoryMB: 64}}}}}}
	var reg structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &reg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() error {
		var resp structs.JobSummaryResponse
		if err := s.RPC("Job.Summary", &structs.JobSpecificRequest{JobID: "web"}, &resp); err != nil {
			return err
		}
		if resp.JobSummary == nil || resp.JobSummary.Summary["app"].Running != 20 {
			return fmt.Errorf("summary %+v; sim %+v", resp.JobSummary, sim.Stats())
		}
		return nil
	})
}
