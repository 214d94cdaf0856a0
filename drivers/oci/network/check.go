package network

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/invoke"
)

// checkTimeout bounds the plugin version queries of Check.
const checkTimeout = 10 * time.Second

// Capability bits (linux/capability.h) that Setup needs.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// Check reports whether bridge networking can work here: the plugins are
// in CNIPath and speak the conflist's CNI version, iptables is installed,
// the process may create namespaces and configure the network, and the
// bridge name and subnet are not taken by something else. The error
// (ErrUnavailable) lists everything that is missing.
func (m *Manager) Check() error {
	var problems []string

	if missing := missingCaps(); len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("the process lacks %s (run the plugin as root)", strings.Join(missing, " and ")))
	}

	var missing []string
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	for _, name := range requiredPlugins {
		if _, err := invoke.FindInPath(name, m.cfg.CNIPath); err != nil {
			missing = append(missing, name)
			continue
		}
		info, err := m.cni.GetVersionInfo(ctx, name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("cni plugin %s does not answer VERSION: %v", name, err))
			continue
		}
		if !supports(info.SupportedVersions(), cniVersion) {
			problems = append(problems, fmt.Sprintf("cni plugin %s supports CNI %s, not %s: install containernetworking-plugins 1.0 or later",
				name, strings.Join(info.SupportedVersions(), ", "), cniVersion))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("cni plugins %s not found in %s: install containernetworking-plugins or set cni_path",
			strings.Join(missing, ", "), strings.Join(m.cfg.CNIPath, ", ")))
	}

	if _, err := exec.LookPath("iptables"); err != nil {
		problems = append(problems, "iptables not found in PATH: the bridge, firewall and portmap plugins need it")
	}

	if p := m.bridgeProblem(); p != "" {
		problems = append(problems, p)
	}
	if p := m.subnetProblem(); p != "" {
		problems = append(problems, p)
	}

	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrUnavailable, strings.Join(problems, "; "))
	}
	return nil
}

func supports(versions []string, want string) bool {
	for _, v := range versions {
		if v == want {
			return true
		}
	}
	return false
}

// missingCaps names the capabilities Setup needs that the process lacks.
func missingCaps() []string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil // not Linux-like enough to tell; Setup will say
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		hexCaps, ok := strings.CutPrefix(sc.Text(), "CapEff:")
		if !ok {
			continue
		}
		eff, err := strconv.ParseUint(strings.TrimSpace(hexCaps), 16, 64)
		if err != nil {
			return nil
		}
		var missing []string
		if eff&(1<<capNetAdmin) == 0 {
			missing = append(missing, "CAP_NET_ADMIN")
		}
		if eff&(1<<capSysAdmin) == 0 {
			missing = append(missing, "CAP_SYS_ADMIN")
		}
		return missing
	}
	return nil
}

// bridgeProblem says what is wrong with an existing link named BridgeName
// that is not a bridge; a missing bridge is fine (the plugin creates it).
func (m *Manager) bridgeProblem() string {
	link := filepath.Join("/sys/class/net", m.cfg.BridgeName)
	if _, err := os.Stat(link); err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(link, "bridge")); errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("network interface %s exists and is not a bridge: set bridge to an unused name", m.cfg.BridgeName)
	}
	return ""
}

// subnetProblem says which host route overlaps Subnet on an interface
// other than the bridge (default routes aside).
func (m *Manager) subnetProblem() string {
	_, subnet, err := net.ParseCIDR(m.cfg.Subnet)
	if err != nil {
		return ""
	}
	for _, r := range hostRoutes(m.cfg.BridgeName) {
		if overlaps(r.dst, subnet) {
			msg := fmt.Sprintf("subnet %s overlaps the route to %s on %s: set subnet to a free private range", m.cfg.Subnet, r.dst, r.iface)
			if free, err := FreeSubnet(m.cfg.BridgeName); err == nil {
				msg += " such as " + free
			}
			return msg
		}
	}
	return ""
}

type hostRoute struct {
	iface string
	dst   *net.IPNet
}

// hostRoutes are the host's IPv4 routes other than default ones and those
// on the interface skip; none if /proc/net/route cannot be read.
func hostRoutes(skip string) []hostRoute {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	var routes []hostRoute
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// Iface Destination Gateway Flags RefCnt Use Metric Mask ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[0] == skip {
			continue
		}
		dst, ok1 := routeHex(fields[1])
		mask, ok2 := routeHex(fields[7])
		if !ok1 || !ok2 {
			continue
		}
		route := &net.IPNet{IP: dst, Mask: net.IPMask(mask)}
		if ones, _ := route.Mask.Size(); ones == 0 {
			continue
		}
		routes = append(routes, hostRoute{iface: fields[0], dst: route})
	}
	return routes
}

func overlaps(a, b *net.IPNet) bool { return a.Contains(b.IP) || b.Contains(a.IP) }

// FreeSubnet returns a /24 in 10.210.0.0/16 that no route of the host
// overlaps, routes on the interface bridge aside.
func FreeSubnet(bridge string) (string, error) {
	routes := hostRoutes(bridge)
next:
	for i := 0; i < 256; i++ {
		cand := &net.IPNet{IP: net.IPv4(10, 210, byte(i), 0).To4(), Mask: net.CIDRMask(24, 32)}
		for _, r := range routes {
			if overlaps(r.dst, cand) {
				continue next
			}
		}
		return cand.String(), nil
	}
	return "", errors.New("every /24 of 10.210.0.0/16 overlaps a route of the host")
}

// routeHex decodes an address of /proc/net/route (host byte order, which
// is little-endian on the platforms we run on).
func routeHex(s string) (net.IP, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return nil, false
	}
	v := binary.LittleEndian.Uint32(b)
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, v)
	return ip, true
}
