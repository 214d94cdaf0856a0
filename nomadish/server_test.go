package nomadish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func statusPeers(t *testing.T, s *Server, stale bool) []string {
	t.Helper()
	var peers []string
	req := &structs.GenericRequest{QueryOptions: structs.QueryOptions{AllowStale: stale}}
	if err := s.RPC("Status.Peers", req, &peers); err != nil {
		t.Fatalf("Status.Peers: %v", err)
	}
	return peers
}

func TestServer_SingleBootstrapsAndLeads(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)

	var leader string
	if err := s.RPC("Status.Leader", &structs.GenericRequest{}, &leader); err != nil {
		t.Fatal(err)
	}
	if leader != s.RPCAdvertise().String() {
		t.Fatalf("Status.Leader = %q, want %q", leader, s.RPCAdvertise())
	}
	if peers := statusPeers(t, s, false); !slices.Equal(peers, []string{leader}) {
		t.Fatalf("Status.Peers = %v", peers)
	}
	if err := s.RPC("Status.Ping", struct{}{}, &struct{}{}); err != nil {
		t.Fatalf("Status.Ping: %v", err)
	}

	var reply structs.NodeUpdateResponse
	if err := s.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: testNode("n1")}, &reply); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.State().NodeByID(nil, "n1"); n == nil || n.ModifyIndex != reply.Index {
		t.Fatalf("node after write: %+v (write index %d)", n, reply.Index)
	}

	var cfg structs.RaftConfigurationResponse
	if err := s.RPC("Operator.RaftGetConfiguration", &structs.GenericRequest{}, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Servers) != 1 || !cfg.Servers[0].Leader || !cfg.Servers[0].Voter || cfg.Servers[0].Node != s.config.NodeName {
		t.Fatalf("raft configuration: %+v", cfg.Servers[0])
	}
	if got := s.Regions(); !slices.Equal(got, []string{"global"}) {
		t.Fatalf("Regions() = %v", got)
	}
	if st := s.Stats(); st["raft"]["state"] != "Leader" {
		t.Fatalf("stats: %v", st["raft"])
	}
}

func TestServer_DevMode(t *testing.T) {
	s := testServer(t, func(c *Config) { c.DevMode = true; c.DataDir = "" })
	waitForLeader(t, s)
	if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")}); err != nil {
		t.Fatal(err)
	}
}

func TestServer_RestartKeepsLogAndID(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, func(c *Config) { c.DataDir = dir })
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitForLeader(t, s)
	if _, _, err := s.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")}); err != nil {
		t.Fatal(err)
	}
	id, port := s.NodeID(), s.RPCAdvertise().Port
	lastIndex := s.raft.LastIndex()
	s.Shutdown()

	s2 := testServer(t, func(c *Config) {
		c.DataDir = dir
		c.RPCAddr.Port = port
	})
	if s2.NodeID() != id {
		t.Fatalf("node id changed across restart: %s -> %s", id, s2.NodeID())
	}
	waitForLeader(t, s2)
	waitFor(t, 5*time.Second, func() error {
		if n, _ := s2.State().NodeByID(nil, "n1"); n == nil {
			return errors.New("node n1 not replayed from the log")
		}
		return nil
	})
	if s2.raft.LastIndex() < lastIndex {
		t.Fatalf("raft log shrank across restart: %d -> %d", lastIndex, s2.raft.LastIndex())
	}
	if _, err := os.Stat(filepath.Join(dir, nodeIDFile)); err != nil {
		t.Fatal(err)
	}
}

// A three-server region formed by bootstrap_expect over gossip, a write
// on a follower forwarded to the leader, and a graceful leave.
func TestCluster_BootstrapExpectForwardAndLeave(t *testing.T) {
	expect3 := func(c *Config) { c.BootstrapExpect = 3 }
	s1, s2, s3 := testServer(t, expect3), testServer(t, expect3), testServer(t, expect3)
	servers := []*Server{s1, s2, s3}
	joinLAN(t, s1, s2, s3)

	leader := waitForLeader(t, servers...)
	waitFor(t, 10*time.Second, func() error {
		for _, s := range servers {
			if n, err := s.numPeers(); err != nil || n != 3 {
				return fmt.Errorf("%s has %d raft peers (%v)", s.config.NodeName, n, err)
			}
		}
		return nil
	})

	var follower *Server
	for _, s := range servers {
		if s != leader {
			follower = s
			break
		}
	}
	var leaderAddr string
	if err := follower.RPC("Status.Leader", &structs.GenericRequest{}, &leaderAddr); err != nil {
		t.Fatal(err)
	}
	if leaderAddr != leader.RPCAdvertise().String() {
		t.Fatalf("follower reports leader %q, want %q", leaderAddr, leader.RPCAdvertise())
	}

	var reply structs.NodeUpdateResponse
	if err := follower.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: testNode("n1")}, &reply); err != nil {
		t.Fatalf("write on follower: %v", err)
	}
	if reply.Index == 0 {
		t.Fatal("forwarded write returned no index")
	}
	waitFor(t, 5*time.Second, func() error {
		for _, s := range servers {
			if n, _ := s.State().NodeByID(nil, "n1"); n == nil {
				return fmt.Errorf("node not yet on %s", s.config.NodeName)
			}
		}
		return nil
	})

	var cfg structs.RaftConfigurationResponse
	if err := follower.RPC("Operator.RaftGetConfiguration", &structs.GenericRequest{}, &cfg); err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, srv := range cfg.Servers {
		if srv.Leader {
			leaders++
		}
		if !srv.Voter {
			t.Errorf("server %s is not a voter", srv.Address)
		}
	}
	if len(cfg.Servers) != 3 || leaders != 1 {
		t.Fatalf("raft configuration: %d servers, %d leaders", len(cfg.Servers), leaders)
	}

	// The follower leaves; the leader removes it from Raft.
	if err := follower.Leave(); err != nil {
		t.Fatalf("leave: %v", err)
	}
	follower.Shutdown()
	waitFor(t, 10*time.Second, func() error {
		peers := statusPeers(t, leader, false)
		if len(peers) != 2 || slices.Contains(peers, follower.RPCAdvertise().String()) {
			return fmt.Errorf("leader's peers: %v", peers)
		}
		return nil
	})
}

// The leader leaves: it hands leadership on, and the others keep a quorum.
func TestCluster_LeaderLeaves(t *testing.T) {
	s1 := testServer(t, nil)
	waitForLeader(t, s1)
	s2 := testServer(t, func(c *Config) { c.BootstrapExpect = 3 })
	s3 := testServer(t, func(c *Config) { c.BootstrapExpect = 3 })
	joinLAN(t, s1, s2, s3)
	waitFor(t, 10*time.Second, func() error {
		if n, _ := s1.numPeers(); n != 3 {
			return fmt.Errorf("leader has %d peers", n)
		}
		return nil
	})
	if err := s1.Leave(); err != nil {
		t.Fatal(err)
	}
	s1.Shutdown()
	leader := waitForLeader(t, s2, s3)
	waitFor(t, 10*time.Second, func() error {
		if peers := statusPeers(t, leader, false); len(peers) != 2 {
			return fmt.Errorf("peers after leader left: %v", peers)
		}
		return nil
	})
	if _, _, err := leader.raftApply(structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")}); err != nil {
		t.Fatal(err)
	}
}

// With two of three servers gone the survivor has no leader, and a write
// fails with ErrNoLeader after the bounded wait. Uses Raft's in-memory
// transport.
func TestCluster_NoLeaderWhenQuorumLost(t *testing.T) {
	inmem, transports := inmemRaft(t)
	cb := func(c *Config) {
		inmem(c)
		c.BootstrapExpect = 3
		c.RPCHoldTimeout = 300 * time.Millisecond
	}
	s1, s2, s3 := testServer(t, cb), testServer(t, cb), testServer(t, cb)
	connectInmem(*transports)
	joinLAN(t, s1, s2, s3)
	waitForLeader(t, s1, s2, s3)
	waitFor(t, 10*time.Second, func() error {
		if n, _ := s1.numPeers(); n != 3 {
			return fmt.Errorf("%d peers", n)
		}
		return nil
	})

	s2.Shutdown()
	s3.Shutdown()
	for _, tr := range *transports {
		tr.DisconnectAll()
	}
	waitFor(t, 10*time.Second, func() error {
		if l := s1.Leader(); l != "" {
			return fmt.Errorf("survivor still sees leader %s", l)
		}
		return nil
	})
	err := s1.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: testNode("n1")}, &structs.NodeUpdateResponse{})
	if !errors.Is(err, structs.ErrNoLeader) {
		t.Fatalf("write without quorum: got %v, want %v", err, structs.ErrNoLeader)
	}
	// Stale reads are still served locally.
	if peers := statusPeers(t, s1, true); len(peers) != 3 {
		t.Fatalf("stale peers: %v", peers)
	}
}

func TestServer_RegionForwarding(t *testing.T) {
	global := testServer(t, nil)
	eu := testServer(t, func(c *Config) { c.Region = "eu" })
	waitForLeader(t, global)
	waitForLeader(t, eu)
	if _, err := eu.JoinWAN([]string{wanAddr(global)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if r := global.Regions(); !slices.Equal(r, []string{"eu", "global"}) {
			return fmt.Errorf("regions %v", r)
		}
		return nil
	})

	var leader string
	if err := global.RPC("Status.Leader", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "eu"}}, &leader); err != nil {
		t.Fatal(err)
	}
	if leader != eu.RPCAdvertise().String() {
		t.Fatalf("leader of eu = %q, want %q", leader, eu.RPCAdvertise())
	}
	var reply structs.NodeUpdateResponse
	req := &structs.NodeRegisterRequest{Node: testNode("n-eu"), WriteRequest: structs.WriteRequest{Region: "eu"}}
	if err := global.RPC("Test.NodeRegister", req, &reply); err != nil {
		t.Fatal(err)
	}
	if n, _ := eu.State().NodeByID(nil, "n-eu"); n == nil {
		t.Fatal("write for eu did not reach eu")
	}
	if n, _ := global.State().NodeByID(nil, "n-eu"); n != nil {
		t.Fatal("write for eu landed in global")
	}

	err := global.RPC("Status.Peers", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "mars"}}, &[]string{})
	if !errors.Is(err, structs.ErrUnknownRegion) {
		t.Fatalf("unknown region: got %v", err)
	}
	if want := `unknown region "mars"; known regions: eu, global`; err.Error() != want {
		t.Fatalf("unknown region error = %q, want %q", err, want)
	}
	// The same error comes back across a hop, still matching the sentinel.
	err = eu.connPool.RPC(global.RPCAdvertise().String(), "Status.Peers", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "mars"}}, &[]string{})
	if !errors.Is(err, structs.ErrUnknownRegion) || !strings.Contains(err.Error(), "known regions: eu, global") {
		t.Fatalf("unknown region over the network: %v", err)
	}
}

func TestServer_RetryJoin(t *testing.T) {
	s1 := testServer(t, nil)
	s2 := testServer(t, func(c *Config) {
		c.BootstrapExpect = 2
		c.RetryJoin = []string{"127.0.0.1:1", lanAddr(s1)}
	})
	waitFor(t, 10*time.Second, func() error {
		if n := len(s2.LANMembers()); n != 2 {
			return fmt.Errorf("%d lan members", n)
		}
		return nil
	})
	waitFor(t, 10*time.Second, func() error {
		if n, _ := s1.numPeers(); n != 2 {
			return fmt.Errorf("leader has %d peers", n)
		}
		return nil
	})
	// s2 joined the WAN pool too, through its LAN peer.
	waitFor(t, 5*time.Second, func() error {
		if n := len(s1.WANMembers()); n != 2 {
			return fmt.Errorf("%d wan members", n)
		}
		return nil
	})
	if got := s2.raft.State(); got != raft.Follower {
		t.Fatalf("s2 raft state %s", got)
	}
}

// A follower restarted from its data dir rejoins gossip from its serf
// snapshot and Raft with its log, without joining or bootstrapping again.
func TestCluster_RestartedServerRejoins(t *testing.T) {
	s1 := testServer(t, nil)
	waitForLeader(t, s1)
	dir := t.TempDir()
	cfg2 := testConfig(t, func(c *Config) { c.DataDir = dir; c.BootstrapExpect = 2 })
	s2, err := NewServer(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	joinLAN(t, s1, s2)
	waitFor(t, 10*time.Second, func() error {
		if n, _ := s1.numPeers(); n != 2 {
			return fmt.Errorf("%d peers", n)
		}
		return nil
	})
	if err := s2.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: testNode("n1")}, &structs.NodeUpdateResponse{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if n, _ := s2.State().NodeByID(nil, "n1"); n == nil {
			return errors.New("n1 not replicated")
		}
		return nil
	})
	rpcPort, lanPort, wanPort := s2.RPCAdvertise().Port, cfg2.SerfLANConfig.MemberlistConfig.BindPort, cfg2.SerfWANConfig.MemberlistConfig.BindPort
	s2.Shutdown()

	s2 = testServer(t, func(c *Config) {
		c.NodeName = cfg2.NodeName
		c.DataDir = dir
		c.BootstrapExpect = 2
		c.RPCAddr.Port = rpcPort
		c.SerfLANConfig.MemberlistConfig.BindPort = lanPort
		c.SerfWANConfig.MemberlistConfig.BindPort = wanPort
	})
	waitFor(t, 10*time.Second, func() error {
		if s2.Leader() != s1.RPCAdvertise().String() {
			return fmt.Errorf("restarted server sees leader %q", s2.Leader())
		}
		if n, _ := s2.State().NodeByID(nil, "n1"); n == nil {
			return errors.New("n1 lost across restart")
		}
		for _, s := range []*Server{s1, s2} {
			for _, m := range s.LANMembers() {
				if m.Status != serf.StatusAlive {
					return fmt.Errorf("%s sees %s %s", s.config.NodeName, m.Name, m.Status)
				}
			}
			if n := len(s.LANMembers()); n != 2 {
				return fmt.Errorf("%s has %d lan members", s.config.NodeName, n)
			}
		}
		return nil
	})
	if n, _ := s1.numPeers(); n != 2 {
		t.Fatalf("peers after restart: %d", n)
	}
	if err := s2.RPC("Test.NodeRegister", &structs.NodeRegisterRequest{Node: testNode("n2")}, &structs.NodeUpdateResponse{}); err != nil {
		t.Fatalf("write through restarted server: %v", err)
	}
}
