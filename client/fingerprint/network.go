package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Interface is one network interface as the Network fingerprinter sees it.
type Interface struct {
	Name     string
	Up       bool
	Loopback bool
	Addrs    []*net.IPNet
}

// Network fingerprints the address the node advertises,
// unique.network.ip-address, and NodeResources.Networks: one host-mode
// network per address of the chosen interface, the advertised one first
// (the scheduler gives tasks the first network's IP).
//
// The interface is Request.NetworkInterface when set, else the interface of
// the default route in /proc/net/route, else the first interface that is up,
// not loopback and has an address, else loopback (a laptop off the network
// still makes a working dev agent). An IPv4 address is preferred.
type Network struct {
	// Interfaces lists the host's interfaces; nil means net.Interfaces.
	Interfaces func() ([]Interface, error)
}

// Fingerprint implements Fingerprinter.
func (n *Network) Fingerprint(req *Request, resp *Response) error {
	list := n.Interfaces
	if list == nil {
		list = systemInterfaces
	}
	ifaces, err := list()
	if err != nil {
		return fmt.Errorf("list interfaces: %w", err)
	}
	iface, err := chooseInterface(req, ifaces)
	if err != nil {
		return err
	}
	addrs := orderAddrs(iface.Addrs)
	if len(addrs) == 0 {
		return fmt.Errorf("interface %s has no address", iface.Name)
	}
	resp.AddAttribute("unique.network.ip-address", addrs[0].IP.String())
	for _, a := range addrs {
		resp.Networks = append(resp.Networks, &structs.NetworkResource{
			Mode:   "host",
			Device: iface.Name,
			IP:     a.IP.String(),
			CIDR:   a.String(),
		})
	}
	resp.Detected = true
	return nil
}

func chooseInterface(req *Request, ifaces []Interface) (Interface, error) {
	byName := func(name string) (Interface, bool) {
		for _, i := range ifaces {
			if i.Name == name {
				return i, true
			}
		}
		return Interface{}, false
	}
	if req.NetworkInterface != "" {
		i, ok := byName(req.NetworkInterface)
		if !ok {
			names := make([]string, 0, len(ifaces))
			for _, i := range ifaces {
				names = append(names, i.Name)
			}
			return Interface{}, fmt.Errorf("network_interface %q not found; interfaces: %s", req.NetworkInterface, strings.Join(names, ", "))
		}
		return i, nil
	}
	if name, err := defaultRouteInterface(req); err == nil && name != "" {
		if i, ok := byName(name); ok && i.Up && len(i.Addrs) > 0 {
			return i, nil
		}
	}
	for _, i := range ifaces {
		if i.Up && !i.Loopback && len(i.Addrs) > 0 {
			return i, nil
		}
	}
	for _, i := range ifaces {
		if i.Loopback && len(i.Addrs) > 0 {
			return i, nil
		}
	}
	return Interface{}, errors.New("no interface with an address")
}

// defaultRouteInterface returns the interface of the IPv4 default route
// with the lowest metric in /proc/net/route, "" when there is none.
func defaultRouteInterface(req *Request) (string, error) {
	path := req.path("/proc/net/route")
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	const rtfUp = 0x1
	best, bestMetric := "", int64(-1)
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first { // header: Iface Destination Gateway Flags ...
			first = false
			continue
		}
		// Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1] != "00000000" || fields[7] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(fields[3], 16, 32)
		if err != nil || flags&rtfUp == 0 {
			continue
		}
		metric, err := strconv.ParseInt(fields[6], 10, 64)
		if err != nil {
			continue
		}
		if bestMetric < 0 || metric < bestMetric {
			best, bestMetric = fields[0], metric
		}
	}
	return best, sc.Err()
}

// orderAddrs returns global IPv4 addresses, then global IPv6, then the
// rest (link-local addresses are left out unless nothing else exists).
func orderAddrs(addrs []*net.IPNet) []*net.IPNet {
	var v4, v6, other []*net.IPNet
	for _, a := range addrs {
		switch {
		case a.IP.IsLinkLocalUnicast():
			other = append(other, a)
		case a.IP.To4() != nil:
			v4 = append(v4, a)
		default:
			v6 = append(v6, a)
		}
	}
	out := append(v4, v6...)
	if len(out) == 0 {
		return other
	}
	return out
}

func systemInterfaces() ([]Interface, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(ifaces))
	for _, i := range ifaces {
		addrs, err := i.Addrs()
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", i.Name, err)
		}
		ni := Interface{Name: i.Name, Up: i.Flags&net.FlagUp != 0, Loopback: i.Flags&net.FlagLoopback != 0}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				ni.Addrs = append(ni.Addrs, ipn)
			}
		}
		out = append(out, ni)
	}
	return out, nil
}
