package client

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/nodeid"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testLogger(name string) hclog.Logger {
	level := hclog.Warn
	if v := os.Getenv("NOMADISH_TEST_LOG"); v != "" {
		level = hclog.LevelFromString(v)
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr})
}

// testConfig is a client of no drivers on a fake clock whose runners are
// fakes; tests adjust it before newTestClient.
func testConfig(t *testing.T, clock *fakeClock, runners *fakeRunners, servers ...string) *Config {
	return &Config{
		DataDir:       t.TempDir(),
		Servers:       servers,
		NodeName:      "test-node",
		Datacenter:    "dc1",
		NodeClass:     "linux-small",
		Meta:          map[string]string{"rack": "r1"},
		HTTPAddr:      "127.0.0.1:4646",
		Logger:        testLogger("client"),
		Clock:         clock,
		disableLogmon: true,
		newRunner:     runners.new,
		diskUsage:     func(string) (float64, error) { return 10, nil },
		HostVolumes:   map[string]*structs.ClientHostVolumeConfig{"data": {Path: "/srv/data"}},
	}
}

func newTestClient(t *testing.T, cfg *Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown() })
	return c
}

// deadAddr is a loopback address nothing listens on. It is on 127.0.0.3,
// where no fake server is started unless a test asks for one there, so a
// later fake server cannot be given the same port by chance.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRegisterAndHeartbeat(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	cfg := testConfig(t, clock, newFakeRunners(), srv.addr)
	cfg.Reserved = &structs.NodeReservedResources{Memory: structs.NodeMemoryResources{MemoryMB: 256},
		Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: "22"}}
	c := newTestClient(t, cfg)

	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	n := srv.registrations()[0]
	if r := n.ReservedResources; r == nil || r.Memory.MemoryMB != 256 || r.Networks.ReservedHostPorts != "22" {
		t.Errorf("reserved resources = %+v", r)
	}
	if n.ID != c.NodeID() || n.SecretID == "" || n.SecretID != c.Node().SecretID {
		t.Errorf("registered ID %q secret %q; client has %q", n.ID, n.SecretID, c.NodeID())
	}
	if n.Status != structs.NodeStatusReady || n.Name != "test-node" || n.Datacenter != "dc1" || n.NodeClass != "linux-small" ||
		n.NodePool != structs.DefaultNodePool || n.HTTPAddr != "127.0.0.1:4646" || n.Meta["rack"] != "r1" {
		t.Errorf("registered node = %+v", n)
	}
	if n.Attributes["kernel.name"] == "" || n.NodeResources == nil || n.NodeResources.Memory.MemoryMB == 0 {
		t.Errorf("registered node lacks the fingerprint: attributes %v resources %+v", n.Attributes, n.NodeResources)
	}
	if hv := n.HostVolumes["data"]; hv == nil || hv.Name != "data" || hv.Path != "/srv/data" {
		t.Errorf("host volume = %+v", hv)
	}

	for i := 1; i <= 3; i++ {
		clock.advanceWhenArmed(t, "the heartbeat", fakeTTL)
		waitFor(t, fmt.Sprintf("heartbeat %d", i), func() bool { return srv.heartbeatCount() == i })
	}
	hb := srv.lastHeartbeat()
	if hb.NodeID != c.NodeID() || hb.SecretID != n.SecretID || hb.Status != structs.NodeStatusReady {
		t.Errorf("heartbeat = %+v", hb)
	}
	if got := len(srv.registrations()); got != 1 {
		t.Errorf("%d registrations, want 1", got)
	}

	// The server hands out another TTL: the next heartbeat keeps to it.
	srv.mu.Lock()
	srv.ttl = 3 * time.Second
	srv.mu.Unlock()
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL)
	waitFor(t, "a heartbeat", func() bool { return srv.heartbeatCount() == 4 })
	clock.advanceWhenArmed(t, "the heartbeat", 3*time.Second)
	waitFor(t, "a heartbeat", func() bool { return srv.heartbeatCount() == 5 })
}

func TestReregistersWhenTheServerForgetsTheNode(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	newTestClient(t, testConfig(t, clock, newFakeRunners(), srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.setForget()
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL)
	waitFor(t, "a second registration", func() bool { return len(srv.registrations()) == 2 })
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL)
	waitFor(t, "a heartbeat", func() bool { return srv.heartbeatCount() == 1 })
}

// state_dir and alloc_dir move the node's identity and database, and
// its allocation directories, out of the data dir.
func TestStateAndAllocDirs(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	cfg := testConfig(t, clock, runners, srv.addr)
	cfg.StateDir, cfg.AllocDir = filepath.Join(t.TempDir(), "state"), filepath.Join(t.TempDir(), "allocs")
	c := newTestClient(t, cfg)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	for _, f := range []string{nodeid.IDFile, nodeid.SecretFile, "state.db"} {
		if _, err := os.Stat(filepath.Join(cfg.StateDir, f)); err != nil {
			t.Errorf("%s not in the state dir: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "client")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the data dir still holds client state: %v", err)
	}
	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner", func() bool { return runners.get("a1") != nil })
	if got := runners.get("a1").cfg.AllocRoot; got != cfg.AllocDir {
		t.Errorf("alloc root = %q, want the alloc dir %q", got, cfg.AllocDir)
	}
}

func TestSameIdentityAcrossRestarts(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	cfg := testConfig(t, clock, newFakeRunners(), srv.addr)
	c1, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	if err := c1.Shutdown(); err != nil {
		t.Fatal(err)
	}
	c2 := newTestClient(t, cfg)
	waitFor(t, "the second registration", func() bool { return len(srv.registrations()) == 2 })
	r := srv.registrations()
	if r[0].ID != r[1].ID || r[0].SecretID != r[1].SecretID || c2.NodeID() != r[0].ID {
		t.Fatalf("identity changed across restart: %s/%s then %s/%s", r[0].ID, r[0].SecretID, r[1].ID, r[1].SecretID)
	}
}

func TestFailsOverToTheNextServer(t *testing.T) {
	a, b := newFakeServer(t), newFakeServer(t)
	clock := newFakeClock()
	dead := deadAddr(t)
	c := newTestClient(t, testConfig(t, clock, newFakeRunners(), dead, a.addr, b.addr))

	// The first address refuses connections: the registration goes to
	// the second at once, without waiting for a back-off.
	waitFor(t, "the registration", func() bool { return len(a.registrations()) == 1 })
	if got, want := c.Servers(), []string{a.addr, b.addr, dead}; !slices.Equal(got, want) {
		t.Errorf("Servers() = %v, want %v", got, want)
	}

	// The server in use goes away: the next heartbeat reaches the other.
	a.stop()
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL)
	waitFor(t, "a heartbeat on the second server", func() bool { return b.heartbeatCount() == 1 })
	if got := c.Servers()[0]; got != b.addr {
		t.Errorf("Servers()[0] = %s after fail-over, want %s", got, b.addr)
	}
	// The blocking query moved over too.
	waitFor(t, "the allocation query on the second server", func() bool { return b.queryCount() > 0 })
}

func TestRetriesRegistrationWithBackoff(t *testing.T) {
	clock := newFakeClock()
	// Reserve an address, start with nothing listening on it.
	addr := deadAddr(t)
	cfg := testConfig(t, clock, newFakeRunners(), addr)
	cfg.RetryBackoff, cfg.MaxRetryBackoff = time.Second, 4*time.Second
	c := newTestClient(t, cfg)

	// Failures 1, 2 and 3 wait 1s, 2s and 4s; the fourth waits the
	// ceiling, 4s, and then the server is there.
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		clock.advanceWhenArmed(t, "the registration retry", d)
	}
	waitFor(t, "the fourth retry to be armed", func() bool { return clock.armedFor(4 * time.Second) })
	srv := newFakeServerOn(t, addr)
	clock.Advance(4 * time.Second)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	if c.NodeID() == "" {
		t.Fatal("no node ID")
	}
}

func TestServersFromTheRegistration(t *testing.T) {
	a, b := newFakeServer(t), newFakeServer(t)
	a.setServers(b.addr, a.addr)
	clock := newFakeClock()
	c := newTestClient(t, testConfig(t, clock, newFakeRunners(), a.addr))
	// The server in use stays first, the one learnt from it follows.
	want := []string{a.addr, b.addr}
	waitFor(t, fmt.Sprintf("Servers() to become %v", want), func() bool { return slices.Equal(c.Servers(), want) })
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  *Config
		want string
	}{
		{&Config{Servers: []string{"x:1"}}, "data_dir is required"},
		{&Config{DataDir: t.TempDir()}, "at least one server"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error saying %q", tc.cfg, err, tc.want)
		}
	}
}
