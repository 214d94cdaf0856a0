package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"

	"github.com/nomadish/nomadish/client/logmon"
	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// These tests run the client against a real in-process server, with the
// mock driver plugin run from a nomadish binary built once for the
// package, on the real clock: tasks are real processes' work, which no
// fake clock can drive, so they poll with a bounded wait.

var (
	buildOnce              sync.Once
	nomadishBin, buildSkip string
)

// nomadishBinary builds the nomadish binary the first time a test needs
// it; a failed build skips the tests that need it.
func nomadishBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			buildSkip = "the go tool is not on PATH, so the nomadish binary cannot be built"
			return
		}
		dir, err := os.MkdirTemp("", "client-test-bin-")
		if err != nil {
			buildSkip = err.Error()
			return
		}
		bin := filepath.Join(dir, "nomadish")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/nomadish/nomadish").CombinedOutput()
		if err != nil {
			buildSkip = fmt.Sprintf("building the nomadish binary failed: %v\n%s", err, out)
			return
		}
		nomadishBin = bin
	})
	if nomadishBin == "" {
		t.Skip(buildSkip)
	}
	return nomadishBin
}

// TestMain fails the package when a panic was recovered (in the
// in-process server, a fingerprinter, a runner) in a test that did not
// provoke it on purpose (panics.Allow): a recovered panic is a bug.
func TestMain(m *testing.M) {
	code := panics.CheckMain(m)
	if nomadishBin != "" {
		os.RemoveAll(filepath.Dir(nomadishBin))
	}
	os.Exit(code)
}

// realServer starts a single dev-mode server on loopback, with heartbeat
// TTLs of 1s (plus stagger) and the given grace; it is shut down when the
// test ends.
func realServer(t *testing.T, grace time.Duration) *nomadish.Server {
	t.Helper()
	cfg := nomadish.DefaultConfig()
	cfg.DevMode = true
	cfg.NodeName = "client-test-server"
	cfg.DataDir = t.TempDir()
	level := hclog.Off
	if v := os.Getenv("NOMADISH_TEST_LOG"); v != "" {
		level = hclog.LevelFromString(v)
	}
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "server", Level: level, Output: os.Stderr})
	cfg.RPCAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for _, mc := range []*memberlist.Config{cfg.SerfLANConfig.MemberlistConfig, cfg.SerfWANConfig.MemberlistConfig} {
		mc.BindAddr, mc.BindPort, mc.AdvertisePort = "127.0.0.1", 0, 0
	}
	cfg.MinHeartbeatTTL = time.Second
	cfg.HeartbeatGrace = grace
	cfg.RaftConfig.HeartbeatTimeout = 100 * time.Millisecond
	cfg.RaftConfig.ElectionTimeout = 100 * time.Millisecond
	cfg.RaftConfig.LeaderLeaseTimeout = 50 * time.Millisecond
	s, err := nomadish.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	waitFor(t, "the server to lead", s.IsLeader)
	return s
}

// mockClientConfig is a client of the mock driver on the real clock.
func mockClientConfig(t *testing.T, servers ...string) *Config {
	return &Config{
		DataDir:      t.TempDir(),
		Servers:      servers,
		NodeName:     "mock-node",
		Drivers:      []string{"mock"},
		PluginBinary: nomadishBinary(t),
		Logger:       testLogger("client"),
		MaxQueryTime: 5 * time.Second,
		// Log collectors are detached processes that outlive the test;
		// the alloc runner's own tests cover them.
		disableLogmon: true,
	}
}

// startClient starts a client whose plugin process is killed when the
// test ends: Shutdown leaves plugins running on purpose.
func startClient(t *testing.T, cfg *Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range cfg.Drivers {
		if rc, ok := c.plugins.ReattachConfig(d); ok {
			pids = append(pids, rc.Pid)
		}
	}
	t.Cleanup(func() {
		// A plugin relaunched during the test (killed by the test, or
		// its health check failed on a loaded machine) has a new PID:
		// read the PIDs again once Shutdown has stopped the health
		// checks, so that none is relaunched after they are read.
		_ = c.Shutdown()
		for _, d := range cfg.Drivers {
			if rc, ok := c.plugins.ReattachConfig(d); ok {
				pids = append(pids, rc.Pid)
			}
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return c
}

func serverNode(t *testing.T, s *nomadish.Server, id string) *structs.Node {
	t.Helper()
	var resp structs.SingleNodeResponse
	if err := s.RPC("Node.GetNode", &structs.NodeSpecificRequest{NodeID: id}, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Node
}

func mockJob(id, typ string, config map[string]interface{}) *structs.Job {
	return &structs.Job{ID: id, Name: id, Type: typ, Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{Name: "g", Count: 1,
			RestartPolicy: &structs.RestartPolicy{Attempts: 0, Mode: "fail", Interval: time.Minute, Delay: time.Second},
			Tasks: []*structs.Task{{Name: "t", Driver: "mock", Config: config,
				Resources: &structs.Resources{CPU: 100, MemoryMB: 32}}}}}}
}

func registerJob(t *testing.T, s *nomadish.Server, job *structs.Job) {
	t.Helper()
	var resp structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp); err != nil {
		t.Fatal(err)
	}
}

// jobAlloc is the job's only allocation at the server, nil while none.
func jobAlloc(t *testing.T, s *nomadish.Server, jobID string) *structs.Allocation {
	t.Helper()
	var list structs.JobAllocationsResponse
	if err := s.RPC("Job.Allocations", &structs.JobSpecificRequest{JobID: jobID}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Allocations) == 0 {
		return nil
	}
	var resp structs.SingleAllocResponse
	if err := s.RPC("Alloc.GetAlloc", &structs.AllocSpecificRequest{AllocID: list.Allocations[0].ID}, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Alloc
}

func waitAllocStatus(t *testing.T, s *nomadish.Server, jobID, status string) *structs.Allocation {
	t.Helper()
	var a *structs.Allocation
	waitFor(t, fmt.Sprintf("job %s's allocation to be %s", jobID, status), func() bool {
		a = jobAlloc(t, s, jobID)
		return a != nil && a.ClientStatus == status
	})
	return a
}

// TestWithServerRegistersAndHeartbeats registers through a dead address
// and a live one, with the mock driver fingerprinted, and stays ready
// across several heartbeat TTLs.
func TestWithServerRegistersAndHeartbeats(t *testing.T) {
	// A short grace: a missed heartbeat marks the node down within
	// about 3s (TTL, stagger and grace).
	s := realServer(t, time.Second)
	c := startClient(t, mockClientConfig(t, deadAddr(t), s.RPCAdvertise().String()))

	var n *structs.Node
	waitFor(t, "the node to be ready with a healthy mock driver", func() bool {
		n = serverNode(t, s, c.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})
	if n.Attributes["driver.mock"] != "1" || n.Attributes["driver.mock.version"] == "" || n.Name != "mock-node" {
		t.Errorf("node attributes %v name %q", n.Attributes, n.Name)
	}
	// Heartbeats keep it ready past several TTLs and grace periods.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		if n := serverNode(t, s, c.NodeID()); n.Status != structs.NodeStatusReady {
			t.Fatalf("node status %s while heartbeating; events %v", n.Status, n.Events)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := c.Servers()[0]; got != s.RPCAdvertise().String() {
		t.Errorf("Servers()[0] = %s, want the live server", got)
	}
}

// TestWithServerBatchAllocCompletes runs a mock batch task to completion
// and checks the complete status reaches the server.
func TestWithServerBatchAllocCompletes(t *testing.T) {
	s := realServer(t, 5*time.Second)
	c := startClient(t, mockClientConfig(t, s.RPCAdvertise().String()))
	waitFor(t, "the node to be ready", func() bool {
		n := serverNode(t, s, c.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})
	registerJob(t, s, mockJob("batch", structs.JobTypeBatch, map[string]interface{}{"run_for": "200ms"}))
	a := waitAllocStatus(t, s, "batch", structs.AllocClientStatusComplete)
	if a.NodeID != c.NodeID() {
		t.Errorf("allocation on node %s, want %s", a.NodeID, c.NodeID())
	}
	ts := a.TaskStates["t"]
	if ts == nil || ts.State != structs.TaskStateDead || ts.Failed {
		t.Fatalf("task state at the server = %+v", ts)
	}
}

// TestWithServerDesiredStopKillsTheTask stops a running service job; the
// client kills the task and reports the allocation complete.
func TestWithServerDesiredStopKillsTheTask(t *testing.T) {
	s := realServer(t, 5*time.Second)
	c := startClient(t, mockClientConfig(t, s.RPCAdvertise().String()))
	waitFor(t, "the node to be ready", func() bool {
		n := serverNode(t, s, c.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})
	registerJob(t, s, mockJob("svc", structs.JobTypeService, map[string]interface{}{"run_for": "1h"}))
	waitAllocStatus(t, s, "svc", structs.AllocClientStatusRunning)

	var resp structs.JobDeregisterResponse
	if err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "svc"}, &resp); err != nil {
		t.Fatal(err)
	}
	a := waitAllocStatus(t, s, "svc", structs.AllocClientStatusComplete)
	if ts := a.TaskStates["t"]; ts == nil || ts.State != structs.TaskStateDead {
		t.Fatalf("task state after stop = %+v", ts)
	}
}

// TestWithServerRestartReattaches restarts the client on the same data
// dir while a task runs: the new client re-attaches to the same plugin,
// the same task and the same log collector; the task is neither
// restarted nor started again.
func TestWithServerRestartReattaches(t *testing.T) {
	s := realServer(t, 5*time.Second)
	cfg := mockClientConfig(t, s.RPCAdvertise().String())
	cfg.disableLogmon = false
	c1 := startClient(t, cfg)
	waitFor(t, "the node to be ready", func() bool {
		n := serverNode(t, s, c1.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})
	registerJob(t, s, mockJob("svc", structs.JobTypeService, map[string]interface{}{"run_for": "1h", "stdout_string": "hello\n"}))
	before := waitAllocStatus(t, s, "svc", structs.AllocClientStatusRunning)
	rc1, _ := c1.plugins.ReattachConfig("mock")
	lm1 := logmonHandle(t, c1, before.ID, "t")
	t.Cleanup(func() { _ = lm1.Stop(5 * time.Second) })
	ar1, err := c1.AllocRunner(before.ID)
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(ar1.AllocDir().LogDir(), "t.stdout.0")
	waitFor(t, "the task's output in its log file", func() bool {
		b, _ := os.ReadFile(logFile)
		return string(b) == "hello\n"
	})
	if err := c1.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := logmon.Reattach(lm1); err != nil {
		t.Fatalf("the log collector did not outlive the client: %v", err)
	}

	c2 := startClient(t, cfg)
	if c2.NodeID() != c1.NodeID() {
		t.Fatalf("node ID changed across restart: %s then %s", c1.NodeID(), c2.NodeID())
	}
	rc2, _ := c2.plugins.ReattachConfig("mock")
	if rc2.Pid != rc1.Pid {
		t.Fatalf("restarted client runs plugin pid %d, want the same pid %d", rc2.Pid, rc1.Pid)
	}
	ar, err := c2.AllocRunner(before.ID)
	if err != nil {
		t.Fatalf("the restarted client does not run the allocation: %v", err)
	}
	waitFor(t, "the restored runner to see the task running", func() bool {
		a := ar.Alloc()
		return a != nil && a.TaskStates["t"] != nil && a.TaskStates["t"].State == structs.TaskStateRunning
	})
	after := ar.Alloc().TaskStates["t"]
	was := before.TaskStates["t"]
	if after.Restarts != 0 || !after.StartedAt.Equal(was.StartedAt) {
		t.Errorf("task after restart: restarts %d started %v; want 0 and %v", after.Restarts, after.StartedAt, was.StartedAt)
	}
	started := 0
	for _, e := range after.Events {
		if e.Type == "Started" {
			started++
		}
	}
	if started != 1 {
		t.Errorf("%d Started events after the client restart, want 1: %+v", started, after.Events)
	}
	if lm2 := logmonHandle(t, c2, before.ID, "t"); lm2.PID != lm1.PID {
		t.Errorf("log collector pid %d after restart, want the same %d", lm2.PID, lm1.PID)
	}

	// Stopping it through the new client still works.
	var resp structs.JobDeregisterResponse
	if err := s.RPC("Job.Deregister", &structs.JobDeregisterRequest{JobID: "svc"}, &resp); err != nil {
		t.Fatal(err)
	}
	waitAllocStatus(t, s, "svc", structs.AllocClientStatusComplete)
}

// logmonHandle reads a task's log collector handle from the local state.
func logmonHandle(t *testing.T, c *Client, allocID, task string) *logmon.Handle {
	t.Helper()
	var h logmon.Handle
	waitFor(t, "the log collector's handle in the local state", func() bool {
		ls, err := c.db.GetLocalTaskState(allocID, task)
		if err != nil || ls == nil || ls.Hooks["logmon"] == nil {
			return false
		}
		return json.Unmarshal(ls.Hooks["logmon"], &h) == nil && h.PID > 0
	})
	return &h
}
