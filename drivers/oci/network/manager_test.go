package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// freePort is a TCP port nothing on the host listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serveInNetNS listens on port inside the namespace and answers every
// connection with a line naming the address it was reached on.
func serveInNetNS(t *testing.T, netns string, port int) {
	t.Helper()
	var l net.Listener
	err := inNetNS(t, netns, func() error {
		var err error
		l, err = net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
		return err
	})
	if err != nil {
		t.Fatalf("listen in netns: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "hello from %s\n", c.LocalAddr())
			c.Close()
		}
	}()
}

func dialLine(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read from %s: %w", addr, err)
	}
	return strings.TrimSpace(line), nil
}

func TestSetupServeTeardown(t *testing.T) {
	requireNetworking(t)
	m := newTestManager(t, t.TempDir())
	before := iptablesRules(t)
	const id = "serve-1"
	hostPort, containerPort := freePort(t), 8080

	n := setup(t, m, id, []PortMapping{{Label: "http", HostPort: hostPort, ContainerPort: containerPort}})

	if !inSubnet(n.IP, testSubnet) || n.Prefix != 24 || n.Gateway != "172.26.250.1" || n.Interface != "eth0" || n.MAC == "" {
		t.Fatalf("network %+v: want an address on %s, gateway 172.26.250.1, eth0 with a MAC", n, testSubnet)
	}
	if n.NetNSPath != filepath.Join(m.cfg.NetNSDir, id) || !isNetNS(n.NetNSPath) {
		t.Fatalf("netns %s is not a pinned namespace", n.NetNSPath)
	}
	if len(n.Ports) != 1 || n.Ports[0].Protocol != "tcp" {
		t.Fatalf("ports %+v", n.Ports)
	}

	// Inside: eth0 has the address, lo is up and carries traffic.
	err := inNetNS(t, n.NetNSPath, func() error {
		eth, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		addrs, err := eth.Addrs()
		if err != nil {
			return err
		}
		if len(addrs) == 0 || !strings.HasPrefix(addrs[0].String(), n.IP+"/") {
			return fmt.Errorf("eth0 addresses %v, want %s", addrs, n.IP)
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		if lo.Flags&net.FlagUp == 0 {
			return fmt.Errorf("lo is down: %v", lo.Flags)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen on loopback: %w", err)
		}
		defer l.Close()
		go func() {
			if c, err := l.Accept(); err == nil {
				_, _ = io.WriteString(c, "lo\n")
				c.Close()
			}
		}()
		line, err := dialLine(l.Addr().String())
		if err != nil || line != "lo" {
			return fmt.Errorf("loopback inside the namespace: %q, %v", line, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("inside the namespace: %v", err)
	}

	// A server in the namespace is reached from the host on
	// 127.0.0.1:HostPort.
	serveInNetNS(t, n.NetNSPath, containerPort)
	want := fmt.Sprintf("hello from %s:%d", n.IP, containerPort)
	waitFor(t, 5*time.Second, "reach the container through the forwarded port", func() error {
		line, err := dialLine(fmt.Sprintf("127.0.0.1:%d", hostPort))
		if err != nil {
			return err
		}
		if line != want {
			return fmt.Errorf("got %q, want %q", line, want)
		}
		return nil
	})

	during := iptablesRules(t)
	if !strings.Contains(during, idComment(id)) || !strings.Contains(during, n.IP) {
		t.Fatalf("no iptables rules for %s (%s) after Setup:\n%s", id, n.IP, during)
	}

	if err := m.Teardown(context.Background(), id); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if _, err := os.Lstat(n.NetNSPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("netns file %s after Teardown: %v", n.NetNSPath, err)
	}
	after := iptablesRules(t)
	for _, line := range strings.Split(after, "\n") {
		if strings.Contains(line, idComment(id)) || strings.Contains(line, n.IP+"/") || strings.Contains(line, fmt.Sprintf("--dport %d", hostPort)) {
			t.Errorf("iptables rule left after Teardown: %s", line)
		}
	}
	if extra := addedLines(before, after); len(extra) > 0 {
		t.Logf("rules present after Teardown but not before (shared chains of the plugins): %v", extra)
	}
	if _, err := m.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Teardown: %v, want ErrNotFound", err)
	}

	// Idempotent, also for an id that never had a network.
	if err := m.Teardown(context.Background(), id); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
	if err := m.Teardown(context.Background(), "never-set-up"); err != nil {
		t.Fatalf("Teardown of an unknown id: %v", err)
	}
}

// idComment is how iptables -S prints the plugins' comment naming id.
func idComment(id string) string {
	return `id: \"` + id + `\"`
}

func addedLines(before, after string) []string {
	seen := make(map[string]bool)
	for _, l := range strings.Split(before, "\n") {
		seen[l] = true
	}
	var extra []string
	for _, l := range strings.Split(after, "\n") {
		if !seen[l] {
			extra = append(extra, l)
		}
	}
	return extra
}

func TestTwoNetworks(t *testing.T) {
	requireNetworking(t)
	m := newTestManager(t, t.TempDir())
	a := setup(t, m, "two-a", nil)
	b := setup(t, m, "two-b", nil)
	if a.IP == b.IP || !inSubnet(a.IP, testSubnet) || !inSubnet(b.IP, testSubnet) {
		t.Fatalf("addresses %s and %s: want two different ones on %s", a.IP, b.IP, testSubnet)
	}
	if a.NetNSPath == b.NetNSPath {
		t.Fatalf("both networks in %s", a.NetNSPath)
	}
	// The containers reach each other across the bridge.
	serveInNetNS(t, b.NetNSPath, 9000)
	var line string
	err := inNetNS(t, a.NetNSPath, func() error {
		var err error
		line, err = dialLine(b.IP + ":9000")
		return err
	})
	if err != nil || line != "hello from "+b.IP+":9000" {
		t.Fatalf("a to b: %q, %v", line, err)
	}

	if _, err := m.Setup(context.Background(), "two-a", nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second Setup of two-a: err = %v, want ErrExists", err)
	}
}

func TestTeardownAfterRestart(t *testing.T) {
	requireNetworking(t)
	stateDir := t.TempDir()
	m1 := newTestManager(t, stateDir)
	const id = "restart-1"
	hostPort := freePort(t)
	n, err := m1.Setup(context.Background(), id, []PortMapping{{HostPort: hostPort, ContainerPort: 80}})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	m2 := newTestManager(t, stateDir) // a new process, as far as state goes
	t.Cleanup(func() { _ = m2.Teardown(context.Background(), id) })

	got, err := m2.Get(id)
	if err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
	if got.IP != n.IP || got.NetNSPath != n.NetNSPath || len(got.Ports) != 1 {
		t.Fatalf("Get after restart = %+v, want %+v", got, n)
	}
	if err := m2.Teardown(context.Background(), id); err != nil {
		t.Fatalf("Teardown after restart: %v", err)
	}
	if _, err := os.Lstat(n.NetNSPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("netns file after Teardown: %v", err)
	}
	rules := iptablesRules(t)
	if strings.Contains(rules, idComment(id)) || strings.Contains(rules, fmt.Sprintf("--dport %d", hostPort)) {
		t.Fatalf("rules of %s left after Teardown:\n%s", id, rules)
	}
	// The address went back to the pool: host-local keeps a file per lease.
	if _, err := os.Stat(filepath.Join(stateDir, "ipam", NetworkName, n.IP)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lease of %s left after Teardown: %v", n.IP, err)
	}
}

// A plugin that fails: Setup reports its message and undoes the rest.
func TestSetupPluginFailureUndoes(t *testing.T) {
	requireNetworking(t)
	fake := t.TempDir()
	script := "#!/bin/sh\n" +
		"if [ \"$CNI_COMMAND\" = ADD ]; then\n" +
		"  echo '{\"cniVersion\":\"1.0.0\",\"code\":999,\"msg\":\"fake portmap refuses\",\"details\":\"port 1 taken\"}'\n" +
		"  exit 1\n" +
		"fi\n" +
		"exit 0\n"
	if err := os.WriteFile(filepath.Join(fake, "portmap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir())
	cfg.CNIPath = []string{fake, testCNI}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const id = "fails-1"
	_, err = m.Setup(context.Background(), id, []PortMapping{{HostPort: 1, ContainerPort: 80}})
	t.Logf("Setup: %v", err)
	if !errors.Is(err, ErrCNI) || !strings.Contains(err.Error(), "fake portmap refuses; port 1 taken") {
		t.Fatalf("Setup with a failing plugin: err = %v, want ErrCNI with the plugin's message", err)
	}
	if _, err := os.Lstat(filepath.Join(cfg.StateDir, "netns", id)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("netns left after failed Setup: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(cfg.StateDir, "networks", id+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state left after failed Setup: %v", err)
	}
	// The bridge's masquerade rules carry the id; the firewall's accept
	// rules only the address, which is the first of the subnet's pool.
	if rules := iptablesRules(t); strings.Contains(rules, idComment(id)) || strings.Contains(rules, "172.26.250.2/32") {
		t.Fatalf("rules of %s left after failed Setup:\n%s", id, rules)
	}
}

// After a reboot the netns file is still there but no longer a namespace:
// Teardown still releases the address and the rules.
func TestTeardownAfterNetNSLost(t *testing.T) {
	requireNetworking(t)
	m := newTestManager(t, t.TempDir())
	const id = "lost-1"
	hostPort := freePort(t)
	n := setup(t, m, id, []PortMapping{{HostPort: hostPort, ContainerPort: 80}})
	if err := unix.Unmount(n.NetNSPath, unix.MNT_DETACH); err != nil {
		t.Fatalf("unmount %s: %v", n.NetNSPath, err)
	}
	if isNetNS(n.NetNSPath) {
		t.Fatalf("%s still a namespace after unmount", n.NetNSPath)
	}
	if err := m.Teardown(context.Background(), id); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if _, err := os.Lstat(n.NetNSPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("netns file after Teardown: %v", err)
	}
	rules := iptablesRules(t)
	for _, line := range strings.Split(rules, "\n") {
		if strings.Contains(line, idComment(id)) || strings.Contains(line, n.IP+"/") || strings.Contains(line, fmt.Sprintf("--dport %d", hostPort)) {
			t.Errorf("iptables rule left after Teardown: %s", line)
		}
	}
	if _, err := os.Stat(filepath.Join(m.cfg.StateDir, "ipam", NetworkName, n.IP)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lease of %s left after Teardown: %v", n.IP, err)
	}
}

// A plugin that hangs is ended by Config.Timeout, and Setup undoes the rest.
func TestSetupTimeout(t *testing.T) {
	requireNetworking(t)
	fake := t.TempDir()
	// exec, so that the plugin process itself is what the timeout kills.
	script := "#!/bin/sh\nif [ \"$CNI_COMMAND\" = ADD ]; then exec sleep 60; fi\nexit 0\n"
	if err := os.WriteFile(filepath.Join(fake, "firewall"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir())
	cfg.CNIPath = []string{fake, testCNI}
	// Long enough for the real plugins before it on a loaded machine
	// (300 ms was not, under make test's parallel packages): only the
	// hanging one may meet the deadline.
	cfg.Timeout = 3 * time.Second
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const id = "hangs-1"
	_, err = m.Setup(context.Background(), id, nil)
	t.Logf("Setup: %v", err)
	if !errors.Is(err, ErrCNI) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `plugin type="firewall"`) {
		t.Fatalf("Setup with a hanging plugin: err = %v, want ErrCNI naming the firewall plugin and the deadline", err)
	}
	if _, err := os.Lstat(filepath.Join(cfg.StateDir, "netns", id)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("netns left after failed Setup: %v", err)
	}
	if rules := iptablesRules(t); strings.Contains(rules, idComment(id)) {
		t.Fatalf("rules of %s left after failed Setup:\n%s", id, rules)
	}
}
