package runtimespec

import (
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Network modes of the task config.
const (
	NetworkDefault = ""       // the driver's namespace (NetNSPath) if any, else a new one
	NetworkBridge  = "bridge" // the namespace the driver set up with CNI (NetNSPath)
	NetworkNone    = "none"   // a new namespace with only loopback
	NetworkHost    = "host"   // the host's network: no network namespace
)

// Namespaces returns the task's namespaces: always new pid, mount, ipc, uts
// and cgroup ones; for the network, the one at netns when the driver
// prepared one, a new one for "none" (or the default without netns), and
// none at all for "host".
func Namespaces(mode, netns string) ([]specs.LinuxNamespace, error) {
	ns := []specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.MountNamespace},
		{Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace},
		{Type: specs.CgroupNamespace},
	}
	if netns != "" && !filepath.IsAbs(netns) {
		return nil, fmt.Errorf("network namespace path %q: an absolute path such as /var/run/netns/NAME is expected", netns)
	}
	switch mode {
	case NetworkDefault:
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netns})
	case NetworkBridge:
		if netns == "" {
			return nil, fmt.Errorf("config: network_mode %q needs the network namespace the driver sets up with CNI, and none was given", mode)
		}
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netns})
	case NetworkNone:
		if netns != "" {
			return nil, fmt.Errorf("config: network_mode %q conflicts with the prepared network namespace %s", mode, netns)
		}
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	case NetworkHost:
		if netns != "" {
			return nil, fmt.Errorf("config: network_mode %q conflicts with the prepared network namespace %s", mode, netns)
		}
	default:
		return nil, fmt.Errorf("config: network_mode %q; %q, %q or %q is accepted (or leave it unset)", mode, NetworkBridge, NetworkHost, NetworkNone)
	}
	return ns, nil
}
