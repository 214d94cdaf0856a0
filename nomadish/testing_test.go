package nomadish

import (
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestMain adds a test-only write endpoint, so forwarding and Raft writes
// are tested without depending on the job/node endpoints.
func TestMain(m *testing.M) {
	endpoints = append(endpoints, endpoint{"Test", func(s *Server, l hclog.Logger) interface{} { return &testEndpoint{srv: s} }})
	// A panic recovered in any test that did not provoke it (panics.Allow)
	// fails the package: each is a bug.
	os.Exit(panics.CheckMain(m))
}

// testEndpoint writes a node through forward and raftApply, the way the
// real endpoints do.
type testEndpoint struct{ srv *Server }

func (e *testEndpoint) NodeRegister(args *structs.NodeRegisterRequest, reply *structs.NodeUpdateResponse) error {
	if done, err := e.srv.forward("Test.NodeRegister", args, args, reply); done {
		return err
	}
	_, index, err := e.srv.raftApply(structs.NodeRegisterRequestType, args)
	reply.NodeModifyIndex = index
	reply.Index = index
	return err
}

var testNodeSeq atomic.Int32

// testLogger is silent unless NOMADISH_TEST_LOG names a level.
func testLogger(name string) hclog.Logger {
	level := hclog.Off
	if v := os.Getenv("NOMADISH_TEST_LOG"); v != "" {
		level = hclog.LevelFromString(v)
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr})
}

// testServer starts a server on 127.0.0.1 with OS-assigned ports, a temp
// data dir and fast timings; cb adjusts the config. It is shut down when
// the test ends.
func testServer(t testing.TB, cb func(*Config)) *Server {
	t.Helper()
	s, err := NewServer(testConfig(t, cb))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { s.Shutdown() })
	return s
}

func testConfig(t testing.TB, cb func(*Config)) *Config {
	t.Helper()
	n := testNodeSeq.Add(1)
	cfg := DefaultConfig()
	cfg.NodeName = fmt.Sprintf("server-%d", n)
	cfg.DataDir = t.TempDir()
	cfg.Logger = testLogger(cfg.NodeName)
	cfg.RPCAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0}
	cfg.RaftTimeout = 2 * time.Second
	cfg.RPCHoldTimeout = time.Second
	cfg.ReconcileInterval = time.Second
	cfg.DeploymentWatchInterval = -1 // watcher tests run on a fake clock
	cfg.LeaveDrainTime = 2 * time.Second
	cfg.RetryInterval = 50 * time.Millisecond

	rc := cfg.RaftConfig
	rc.HeartbeatTimeout = 100 * time.Millisecond
	rc.ElectionTimeout = 100 * time.Millisecond
	rc.LeaderLeaseTimeout = 50 * time.Millisecond
	rc.CommitTimeout = 5 * time.Millisecond

	cfg.SerfLANConfig.MemberlistConfig = fastMemberlist()
	cfg.SerfWANConfig.MemberlistConfig = fastMemberlist()
	cfg.SerfLANConfig.LeavePropagateDelay = 10 * time.Millisecond
	cfg.SerfWANConfig.LeavePropagateDelay = 10 * time.Millisecond
	if cb != nil {
		cb(cfg)
	}
	return cfg
}

func fastMemberlist() *memberlist.Config {
	mc := memberlist.DefaultLocalConfig()
	mc.BindAddr = "127.0.0.1"
	mc.BindPort = 0
	mc.ProbeInterval = 100 * time.Millisecond
	mc.ProbeTimeout = 50 * time.Millisecond
	mc.GossipInterval = 20 * time.Millisecond
	mc.SuspicionMult = 2
	mc.TCPTimeout = 500 * time.Millisecond
	return mc
}

// inmemRaft gives each config an in-memory Raft transport addressed by the
// server's RPC address, so those must be fixed: it reserves a port per
// server first. Call connectInmem once the servers exist.
func inmemRaft(t *testing.T) (cb func(*Config), transports *[]*raft.InmemTransport) {
	t.Helper()
	var list []*raft.InmemTransport
	return func(c *Config) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().(*net.TCPAddr)
		l.Close()
		c.RPCAddr = addr
		_, trans := raft.NewInmemTransport(raft.ServerAddress(addr.String()))
		c.RaftTransport = trans
		list = append(list, trans)
	}, &list
}

// connectInmem connects every pair of in-memory transports.
func connectInmem(ts []*raft.InmemTransport) {
	for _, a := range ts {
		for _, b := range ts {
			if a != b {
				a.Connect(b.LocalAddr(), b)
			}
		}
	}
}

// waitFor polls cond until it returns nil or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = cond(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitForLeader(t testing.TB, servers ...*Server) *Server {
	t.Helper()
	var leader *Server
	// Elections run on 100 ms timeouts here; on a loaded machine they
	// may take several rounds, so the bound is generous.
	waitFor(t, 30*time.Second, func() error {
		leader = nil
		for _, s := range servers {
			if s.IsLeader() {
				if leader != nil {
					return fmt.Errorf("two leaders: %s and %s", leader.config.NodeName, s.config.NodeName)
				}
				leader = s
			}
		}
		if leader == nil {
			return fmt.Errorf("no leader among %d servers", len(servers))
		}
		return nil
	})
	return leader
}

func lanAddr(s *Server) string { return s.serfLAN.Memberlist().LocalNode().Address() }
func wanAddr(s *Server) string { return s.serfWAN.Memberlist().LocalNode().Address() }

func joinLAN(t testing.TB, to *Server, others ...*Server) {
	t.Helper()
	for _, s := range others {
		if _, err := s.JoinLAN([]string{lanAddr(to)}); err != nil {
			t.Fatalf("join lan: %v", err)
		}
	}
}

func testNode(id string) *structs.Node {
	return &structs.Node{ID: id, Name: "node-" + id, Datacenter: "dc1", Status: structs.NodeStatusReady,
		Attributes: map[string]string{"kernel.name": "linux"}}
}
