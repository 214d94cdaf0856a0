package network

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
)

func TestCheckMissingPlugins(t *testing.T) {
	empty := t.TempDir()
	m, err := New(Config{StateDir: t.TempDir(), CNIPath: []string{empty}})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Check()
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Check with no plugins: err = %v, want ErrUnavailable", err)
	}
	want := "cni plugins bridge, host-local, loopback, firewall, portmap not found in " + empty
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Check: %q, want it to contain %q", err, want)
	}
}

func TestCheck(t *testing.T) {
	requireNetworking(t)
	m := newTestManager(t, t.TempDir())
	if err := m.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestCheckBridgeNameTaken(t *testing.T) {
	m, err := New(Config{StateDir: t.TempDir(), CNIPath: []string{t.TempDir()}, BridgeName: "lo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), "network interface lo exists and is not a bridge") {
		t.Fatalf("Check with bridge lo: %v", err)
	}
}

func TestRouteHex(t *testing.T) {
	ip, ok := routeHex("0100A8C0")
	if !ok || ip.String() != "192.168.0.1" {
		t.Fatalf("routeHex = %v %v, want 192.168.0.1", ip, ok)
	}
	if _, ok := routeHex("zz"); ok {
		t.Fatal("routeHex accepted garbage")
	}
}

func TestCheckSubnetTaken(t *testing.T) {
	// Any route of the host that is not a default route will do.
	b, err := os.ReadFile("/proc/net/route")
	if err != nil {
		t.Skipf("skipping: no /proc/net/route: %v", err)
	}
	var subnet, iface string
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 8 || f[0] == testBridge {
			continue
		}
		dst, ok1 := routeHex(f[1])
		mask, ok2 := routeHex(f[7])
		if ones, _ := net.IPMask(mask).Size(); !ok1 || !ok2 || ones == 0 || ones > 29 {
			continue
		}
		subnet, iface = (&net.IPNet{IP: dst, Mask: net.IPMask(mask)}).String(), f[0]
		break
	}
	if subnet == "" {
		t.Skip("skipping: the host has no route other than a default one to collide with")
	}
	m, err := New(Config{StateDir: t.TempDir(), CNIPath: []string{t.TempDir()}, Subnet: subnet})
	if err != nil {
		t.Fatal(err)
	}
	want := "subnet " + subnet + " overlaps the route to " + subnet + " on " + iface
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Check with subnet %s: %v, want it to contain %q", subnet, err, want)
	}
}
