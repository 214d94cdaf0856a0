package network

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Defaults of Config.
const (
	DefaultBridgeName = "nomadish0"
	DefaultSubnet     = "172.26.64.0/20"
	DefaultTimeout    = time.Minute

	// NetworkName is the CNI network name of the generated conflist; it
	// appears in the plugins' iptables comments.
	NetworkName = "nomadish"

	// ContainerIfName is the interface the container sees.
	ContainerIfName = "eth0"

	// AdminChainName is the iptables chain the firewall plugin creates for
	// an administrator's own rules.
	AdminChainName = "NOMADISH-ADMIN"
)

// DefaultCNIPath is where Config.CNIPath looks when empty: Debian's
// package directory, then the upstream default.
var DefaultCNIPath = []string{"/usr/lib/cni", "/opt/cni/bin"}

// Config configures a Manager.
type Config struct {
	// CNIPath lists the directories searched for plugin binaries (default
	// DefaultCNIPath). Entries must be absolute.
	CNIPath []string

	// StateDir holds what Teardown needs (see the package doc). It must
	// survive a restart of the plugin, e.g. under the plugin's data dir.
	StateDir string

	// NetNSDir holds one file per network namespace, named for the id,
	// with the namespace bind-mounted on it (default <StateDir>/netns).
	NetNSDir string

	// BridgeName is the host bridge (default DefaultBridgeName); it is
	// created by the bridge plugin on first use and never removed.
	BridgeName string

	// Subnet is the IPv4 range containers get addresses from (default
	// DefaultSubnet); the bridge takes its first address as gateway.
	Subnet string

	// Timeout bounds each Setup and Teardown (default DefaultTimeout),
	// in addition to the caller's context.
	Timeout time.Duration

	Logger hclog.Logger
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.StateDir == "" {
		return c, fmt.Errorf("%w: state_dir is empty: give an absolute directory that survives restarts", ErrInvalidConfig)
	}
	if !filepath.IsAbs(c.StateDir) {
		return c, fmt.Errorf("%w: state_dir %q is not absolute: give an absolute directory", ErrInvalidConfig, c.StateDir)
	}
	c.StateDir = filepath.Clean(c.StateDir)
	if c.NetNSDir == "" {
		c.NetNSDir = filepath.Join(c.StateDir, "netns")
	}
	if !filepath.IsAbs(c.NetNSDir) {
		return c, fmt.Errorf("%w: netns_dir %q is not absolute: give an absolute directory", ErrInvalidConfig, c.NetNSDir)
	}
	c.NetNSDir = filepath.Clean(c.NetNSDir)
	if len(c.CNIPath) == 0 {
		c.CNIPath = append([]string(nil), DefaultCNIPath...)
	}
	for _, p := range c.CNIPath {
		if !filepath.IsAbs(p) {
			return c, fmt.Errorf("%w: cni_path entry %q is not absolute: give absolute directories", ErrInvalidConfig, p)
		}
	}
	if c.BridgeName == "" {
		c.BridgeName = DefaultBridgeName
	}
	if err := validIfName(c.BridgeName); err != nil {
		return c, fmt.Errorf("%w: bridge name %q: %s", ErrInvalidConfig, c.BridgeName, err)
	}
	if c.Subnet == "" {
		c.Subnet = DefaultSubnet
	}
	_, subnet, err := net.ParseCIDR(c.Subnet)
	if err != nil || subnet.IP.To4() == nil {
		return c, fmt.Errorf("%w: subnet %q is not an IPv4 CIDR: give e.g. %q", ErrInvalidConfig, c.Subnet, DefaultSubnet)
	}
	if ones, _ := subnet.Mask.Size(); ones > 29 {
		return c, fmt.Errorf("%w: subnet %q is too small: give a prefix of /29 or shorter", ErrInvalidConfig, c.Subnet)
	}
	c.Subnet = subnet.String()
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return c, nil
}

// validIfName checks a Linux interface name: 1 to 15 bytes, no '/', ':'
// or white space, not "." or "..".
func validIfName(name string) error {
	if len(name) == 0 || len(name) > 15 {
		return fmt.Errorf("must be 1 to 15 characters")
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/: \t\n\r\v\f") {
		return fmt.Errorf("must not be \".\", \"..\" or contain '/', ':' or white space")
	}
	return nil
}
