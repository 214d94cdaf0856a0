package network

import (
	"errors"
	"net"
	"os"
	"os/exec"
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
	// Any route of the host that is not a default route will do; a host
	// with none gets one on a bridge of the test's own.
	var subnet, iface string
	for _, r := range hostRoutes(testBridge) {
		if ones, _ := r.dst.Mask.Size(); ones <= 29 {
			subnet, iface = r.dst.String(), r.iface
			break
		}
	}
	if subnet == "" {
		if os.Geteuid() != 0 {
			t.Skip("skipping: the host has no route other than a default one to collide with, and making one needs root")
		}
		free, err := FreeSubnet(testBridge)
		if err != nil {
			t.Fatal(err)
		}
		iface = "nmdtestroute0"
		gw := strings.TrimSuffix(free, "0/24") + "1/24"
		for _, args := range [][]string{
			{"link", "add", iface, "type", "bridge"},
			{"addr", "add", gw, "dev", iface},
			{"link", "set", iface, "up"},
		} {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				exec.Command("ip", "link", "del", iface).Run()
				t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
			}
		}
		t.Cleanup(func() { exec.Command("ip", "link", "del", iface).Run() })
		subnet = free
	}
	m, err := New(Config{StateDir: t.TempDir(), CNIPath: []string{t.TempDir()}, Subnet: subnet})
	if err != nil {
		t.Fatal(err)
	}
	want := "subnet " + subnet + " overlaps the route to " + subnet + " on " + iface
	err = m.Check()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Check with subnet %s: %v, want it to contain %q", subnet, err, want)
	}
	// The error offers a subnet that is free.
	free, ferr := FreeSubnet(testBridge)
	if ferr != nil || !strings.Contains(err.Error(), "such as "+free) {
		t.Fatalf("Check: %v; want it to suggest the free subnet %s (%v)", err, free, ferr)
	}
	_, fn, _ := net.ParseCIDR(free)
	for _, r := range hostRoutes(testBridge) {
		if overlaps(r.dst, fn) {
			t.Fatalf("FreeSubnet = %s, which overlaps the route to %s on %s", free, r.dst, r.iface)
		}
	}
}
