package network

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// The tests' own bridge and subnet, apart from an agent's defaults.
const (
	testBridge = "nmdtest0"
	testSubnet = "172.26.250.0/24"
	testCNI    = "/usr/lib/cni"
)

// requireNetworking skips unless the test can set up real networks.
func requireNetworking(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: not root; bridge networking needs CAP_NET_ADMIN and CAP_SYS_ADMIN")
	}
	for _, p := range requiredPlugins {
		if _, err := os.Stat(filepath.Join(testCNI, p)); err != nil {
			t.Skipf("skipping: cni plugin %s missing in %s (install containernetworking-plugins)", p, testCNI)
		}
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("skipping: iptables not installed")
	}
}

func testConfig(t *testing.T, stateDir string) Config {
	t.Helper()
	return Config{
		CNIPath:    []string{testCNI},
		StateDir:   stateDir,
		BridgeName: testBridge,
		Subnet:     testSubnet,
		Timeout:    30 * time.Second,
		Logger:     hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Debug, Output: testWriter{t}}),
	}
}

func newTestManager(t *testing.T, stateDir string) *Manager {
	t.Helper()
	m, err := New(testConfig(t, stateDir))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// setup calls m.Setup and registers a Teardown for the end of the test.
func setup(t *testing.T, m *Manager, id string, ports []PortMapping) *Network {
	t.Helper()
	n, err := m.Setup(context.Background(), id, ports)
	if err != nil {
		t.Fatalf("Setup(%q): %v", id, err)
	}
	t.Cleanup(func() {
		if err := m.Teardown(context.Background(), id); err != nil {
			t.Errorf("cleanup Teardown(%q): %v", id, err)
		}
	})
	return n
}

// inNetNS runs fn on a locked thread inside the namespace pinned at path.
// Sockets fn creates stay in that namespace after it returns.
func inNetNS(t *testing.T, path string, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self := "/proc/self/task/" + strconv.Itoa(unix.Gettid()) + "/ns/net"
		orig, err := unix.Open(self, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own netns: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open netns %s: %w", path, err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns %s: %w", path, err)
			return
		}
		fnErr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: it dies with this goroutine.
			errc <- fmt.Errorf("leave netns %s: %w", path, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- fnErr
	}()
	return <-errc
}

// iptablesRules is the nat and filter tables as iptables -S prints them.
func iptablesRules(t *testing.T) string {
	t.Helper()
	var all []byte
	for _, table := range []string{"nat", "filter"} {
		out, err := exec.Command("iptables", "-w", "-t", table, "-S").CombinedOutput()
		if err != nil {
			t.Fatalf("iptables -t %s -S: %v: %s", table, err, out)
		}
		all = append(all, out...)
	}
	return string(all)
}

// waitFor polls cond until it holds or the bound passes.
func waitFor(t *testing.T, bound time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s within %s: %v", what, bound, err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval of a bounded wait
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
