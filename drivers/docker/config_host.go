package docker

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// checkHostOptions checks the options that map onto the container's host
// config one to one (devices, cgroupns, addresses, oom_score_adj), so that
// a mistake is reported by name before anything is pulled.
func (c *taskConfig) checkHostOptions() error {
	for i, d := range c.Devices {
		if !strings.HasPrefix(d.HostPath, "/") {
			return fmt.Errorf("docker task config: devices[%d].host_path %q: want an absolute path of a host device such as \"/dev/fuse\"", i, d.HostPath)
		}
		if d.ContainerPath != "" && !strings.HasPrefix(d.ContainerPath, "/") {
			return fmt.Errorf("docker task config: devices[%d].container_path %q: want an absolute path in the container", i, d.ContainerPath)
		}
		if strings.Trim(d.CgroupPermissions, "rwm") != "" {
			return fmt.Errorf("docker task config: devices[%d].cgroup_permissions %q: want letters of \"rwm\" (read, write, mknod)", i, d.CgroupPermissions)
		}
	}
	switch c.CgroupNS {
	case "", "host", "private":
	default:
		return fmt.Errorf("docker task config: cgroupns %q: want \"host\" or \"private\"", c.CgroupNS)
	}
	if c.OomScoreAdj < -1000 || c.OomScoreAdj > 1000 {
		return fmt.Errorf("docker task config: oom_score_adj %d: want a number from -1000 to 1000", c.OomScoreAdj)
	}
	for _, a := range []struct {
		name, v string
		want    func(netip.Addr) bool
	}{{"ipv4_address", c.IPv4Address, netip.Addr.Is4}, {"ipv6_address", c.IPv6Address, netip.Addr.Is6}} {
		if a.v == "" {
			continue
		}
		if ip, err := netip.ParseAddr(a.v); err != nil || !a.want(ip) {
			return fmt.Errorf("docker task config: %s %q: want an %s address", a.name, a.v, strings.TrimSuffix(a.name, "_address"))
		}
	}
	return nil
}

// checkMountOptions checks that a mount's option block fits its type, as
// the engine would refuse it at create time with a less helpful message.
func checkMountOptions(i int, m mountConfig) error {
	typ := m.Type
	if typ == "" {
		typ = "volume"
	}
	for name, given := range map[string]bool{"bind": m.BindOptions != nil, "tmpfs": m.TmpfsOptions != nil, "volume": m.VolumeOptions != nil} {
		if given && name != typ {
			return fmt.Errorf("docker task config: mount[%d].%s_options: the mount's type is %q; %s_options belong to a mount of type %q", i, name, typ, name, name)
		}
	}
	if o := m.BindOptions; o != nil {
		switch o.Propagation {
		case "", "private", "rprivate", "shared", "rshared", "slave", "rslave":
		default:
			return fmt.Errorf("docker task config: mount[%d].bind_options.propagation %q: want one of \"private\", \"rprivate\", \"shared\", \"rshared\", \"slave\", \"rslave\"", i, o.Propagation)
		}
	}
	if o := m.TmpfsOptions; o != nil && (o.Size < 0 || o.Mode > 0o7777) {
		return fmt.Errorf("docker task config: mount[%d].tmpfs_options: size %d and mode %o: want a size in bytes and permission bits no larger than 07777", i, o.Size, o.Mode)
	}
	if o := m.VolumeOptions; o != nil {
		o.Labels, o.LabelsBlock = o.Labels.merge(o.LabelsBlock), nil
		if d := o.DriverConfig; d != nil {
			d.Options, d.OptionsBlock = d.Options.merge(d.OptionsBlock), nil
		}
	}
	return nil
}

// ignoredOptions names the options the task set that nomadish's docker
// driver accepts, so that Nomad's job files run, but does not apply, each
// with why; StartTask reports them as a task event.
func (c *taskConfig) ignoredOptions() []string {
	var out []string
	if c.MacAddress != "" {
		out = append(out, "mac_address (the engine API nomadish speaks sets a MAC address per network endpoint, which this driver does not configure)")
	}
	if c.AdvertiseIPv6Address {
		out = append(out, "advertise_ipv6_address (it changes the address a Consul service advertises; nomadish registers no services for docker tasks yet)")
	}
	if c.Isolation != "" {
		out = append(out, fmt.Sprintf("isolation %q (a Windows container option; this driver runs Linux containers)", c.Isolation))
	}
	sort.Strings(out)
	return out
}
