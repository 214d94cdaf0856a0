package fingerprint

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func ipnet(t *testing.T, cidr string) *net.IPNet {
	t.Helper()
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	n.IP = ip
	return n
}

func fakeInterfaces(t *testing.T) func() ([]Interface, error) {
	lo := Interface{Name: "lo", Up: true, Loopback: true, Addrs: []*net.IPNet{ipnet(t, "127.0.0.1/8")}}
	docker := Interface{Name: "docker0", Up: true, Addrs: []*net.IPNet{ipnet(t, "172.17.0.1/16")}}
	wlan := Interface{Name: "wlan0", Up: true, Addrs: []*net.IPNet{ipnet(t, "192.168.1.20/24")}}
	eth := Interface{Name: "eth0", Up: true, Addrs: []*net.IPNet{
		ipnet(t, "fe80::1/64"), ipnet(t, "2001:db8::5/64"), ipnet(t, "10.0.0.5/24"),
	}}
	return func() ([]Interface, error) { return []Interface{lo, docker, wlan, eth}, nil }
}

func TestNetwork_DefaultRoute(t *testing.T) {
	// The route table has two default routes; eth0's metric is lower.
	resp, err := run(t, &Network{Interfaces: fakeInterfaces(t)}, &Request{Root: x86Root})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"unique.network.ip-address": "10.0.0.5"})
	if len(resp.Networks) != 2 {
		t.Fatalf("networks = %d, want 2 (link-local left out)", len(resp.Networks))
	}
	first, second := resp.Networks[0], resp.Networks[1]
	if first.Device != "eth0" || first.IP != "10.0.0.5" || first.CIDR != "10.0.0.5/24" || first.Mode != "host" {
		t.Errorf("first network = %+v", *first)
	}
	if second.IP != "2001:db8::5" || second.CIDR != "2001:db8::5/64" {
		t.Errorf("second network = %+v", *second)
	}
}

func TestNetwork_ConfiguredInterface(t *testing.T) {
	resp, err := run(t, &Network{Interfaces: fakeInterfaces(t)}, &Request{Root: x86Root, NetworkInterface: "wlan0"})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"unique.network.ip-address": "192.168.1.20"})

	_, err = run(t, &Network{Interfaces: fakeInterfaces(t)}, &Request{Root: x86Root, NetworkInterface: "bond7"})
	if err == nil || !strings.Contains(err.Error(), "bond7") || !strings.Contains(err.Error(), "eth0") {
		t.Fatalf("err = %v, want one naming bond7 and the interfaces there are", err)
	}
}

func TestNetwork_NoRouteTableFallsBack(t *testing.T) {
	// Without /proc/net/route the first up, non-loopback interface wins.
	resp, err := run(t, &Network{Interfaces: fakeInterfaces(t)}, &Request{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"unique.network.ip-address": "172.17.0.1"})
}

func TestNetwork_LoopbackOnly(t *testing.T) {
	only := func() ([]Interface, error) {
		return []Interface{
			{Name: "eth0", Up: false, Addrs: []*net.IPNet{ipnet(t, "10.0.0.5/24")}},
			{Name: "lo", Up: true, Loopback: true, Addrs: []*net.IPNet{ipnet(t, "127.0.0.1/8")}},
		}, nil
	}
	resp, err := run(t, &Network{Interfaces: only}, &Request{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"unique.network.ip-address": "127.0.0.1"})
}

func TestNetwork_Errors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := run(t, &Network{Interfaces: func() ([]Interface, error) { return nil, boom }}, &Request{}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if _, err := run(t, &Network{Interfaces: func() ([]Interface, error) { return nil, nil }}, &Request{Root: t.TempDir()}); err == nil {
		t.Error("want an error with no interfaces")
	}
}
