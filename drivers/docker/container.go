package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// The labels every container of this driver carries. The Nomad names let
// `docker ps` and existing tooling show who owns what; LabelManaged and
// LabelTaskID mark the container as ours, and LabelOwner (owner.go) as
// which client's, for the reconciler.
const (
	LabelAllocID       = "com.hashicorp.nomad.alloc_id"
	LabelJobName       = "com.hashicorp.nomad.job_name"
	LabelTaskGroupName = "com.hashicorp.nomad.task_group_name"
	LabelTaskName      = "com.hashicorp.nomad.task_name"
	LabelManaged       = "io.nomadish.managed"
	LabelTaskID        = "io.nomadish.task_id"
)

// defaultCaps is the engine's default capability set, which allow_caps
// defaults to.
var defaultCaps = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// containerName is the engine's name for the container of a task: the
// task and alloc, as `docker ps` shows them, and a digest of the task ID
// so two tasks never share one.
func containerName(cfg *plugin.TaskConfig) string {
	sum := sha256.Sum256([]byte(cfg.ID))
	name := nameChars.ReplaceAllString(cfg.Name, "_")
	alloc := nameChars.ReplaceAllString(cfg.AllocID, "_")
	if len(name) > 40 {
		name = name[:40]
	}
	if len(alloc) > 40 {
		alloc = alloc[:40]
	}
	return fmt.Sprintf("%s-%s-%s", name, alloc, hex.EncodeToString(sum[:4]))
}

var nameChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)

// createOptions builds the engine's create request for a task. It checks
// the task config against the plugin's policy (privileged, capabilities,
// host volumes) and names the plugin option that would allow what it
// refuses.
func createOptions(cfg *plugin.TaskConfig, conf *taskConfig, pconf *pluginConfig) (client.ContainerCreateOptions, error) {
	var none client.ContainerCreateOptions
	labels, err := containerLabels(cfg, conf)
	if err != nil {
		return none, err
	}
	if conf.Privileged && !pconf.AllowPrivileged {
		return none, fmt.Errorf("docker task config: privileged = true is refused: the docker plugin config does not set allow_privileged = true")
	}
	if err := checkCaps(conf, pconf); err != nil {
		return none, err
	}
	binds, err := binds(cfg, conf, pconf)
	if err != nil {
		return none, err
	}
	mounts, err := mounts(cfg, conf, pconf)
	if err != nil {
		return none, err
	}
	exposed, published, err := ports(cfg, conf)
	if err != nil {
		return none, err
	}
	dns := make([]netip.Addr, 0, len(conf.DNSServers))
	for i, s := range conf.DNSServers {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return none, fmt.Errorf("docker task config: dns_servers[%d] %q: want an IP address such as \"8.8.8.8\"", i, s)
		}
		dns = append(dns, a)
	}
	ulimits, err := ulimits(conf.Ulimit)
	if err != nil {
		return none, err
	}

	cc := &container.Config{
		Hostname:     conf.Hostname,
		User:         cfg.User,
		Env:          envList(cfg.Env),
		Labels:       labels,
		WorkingDir:   conf.WorkDir,
		Entrypoint:   conf.Entrypoint,
		Image:        conf.Image,
		ExposedPorts: exposed,
		Tty:          conf.TTY,
		OpenStdin:    conf.Interactive,
	}
	if conf.Command != "" {
		cc.Cmd = append([]string{conf.Command}, conf.Args...)
	} else if len(conf.Args) > 0 {
		cc.Cmd = conf.Args
	}
	if conf.Healthchecks != nil && conf.Healthchecks.Disable {
		cc.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
	}

	hc := &container.HostConfig{
		Binds:          binds,
		Mounts:         mounts,
		NetworkMode:    container.NetworkMode(conf.NetworkMode),
		PortBindings:   published,
		RestartPolicy:  container.RestartPolicy{Name: container.RestartPolicyDisabled},
		VolumeDriver:   conf.VolumeDriver,
		CapAdd:         conf.CapAdd,
		CapDrop:        conf.CapDrop,
		DNS:            dns,
		DNSOptions:     conf.DNSOptions,
		DNSSearch:      conf.DNSSearchDomains,
		ExtraHosts:     conf.ExtraHosts,
		IpcMode:        container.IpcMode(conf.IPCMode),
		PidMode:        container.PidMode(conf.PIDMode),
		UsernsMode:     container.UsernsMode(conf.UsernsMode),
		Privileged:     conf.Privileged,
		ReadonlyRootfs: conf.ReadonlyRootfs,
		SecurityOpt:    conf.SecurityOpt,
		ShmSize:        conf.ShmSize,
		Sysctls:        map[string]string(conf.Sysctl),
		Resources:      resources(cfg.Resources, conf),
	}
	hc.Resources.Ulimits = ulimits
	hc.Resources.CpusetCpus = conf.CpusetCpus
	for _, d := range conf.Devices {
		dm := container.DeviceMapping{PathOnHost: d.HostPath, PathInContainer: d.ContainerPath, CgroupPermissions: d.CgroupPermissions}
		if dm.PathInContainer == "" {
			dm.PathInContainer = d.HostPath
		}
		if dm.CgroupPermissions == "" {
			dm.CgroupPermissions = "rwm"
		}
		hc.Resources.Devices = append(hc.Resources.Devices, dm)
	}
	if len(conf.StorageOpt) > 0 {
		hc.StorageOpt = map[string]string(conf.StorageOpt)
	}
	hc.GroupAdd = conf.GroupAdd
	hc.OomScoreAdj = conf.OomScoreAdj
	hc.UTSMode = container.UTSMode(conf.UTSMode)
	hc.CgroupnsMode = container.CgroupnsMode(conf.CgroupNS)
	if conf.Runtime != "" {
		if !pconf.runtimeAllowed(conf.Runtime) {
			return none, fmt.Errorf("docker task config: runtime %q is refused: the docker plugin config's allow_runtimes is %s", conf.Runtime, quoteAll(pconf.allowedRuntimes()))
		}
		hc.Runtime = conf.Runtime
	}
	if conf.Init {
		t := true
		hc.Init = &t
	}
	if conf.Logging != nil && conf.Logging.Type != "" {
		hc.LogConfig = container.LogConfig{Type: conf.Logging.Type, Config: conf.Logging.Config}
	}
	var nc *network.NetworkingConfig
	if len(conf.NetworkAliases) > 0 || conf.IPv4Address != "" || conf.IPv6Address != "" {
		if conf.NetworkMode == "" || conf.NetworkMode == "bridge" || conf.NetworkMode == "host" || conf.NetworkMode == "none" {
			return none, fmt.Errorf("docker task config: network_aliases, ipv4_address and ipv6_address need network_mode to name a user-defined Docker network; got network_mode %q", conf.NetworkMode)
		}
		ep := &network.EndpointSettings{Aliases: conf.NetworkAliases}
		if conf.IPv4Address != "" || conf.IPv6Address != "" {
			ep.IPAMConfig = &network.EndpointIPAMConfig{}
			if conf.IPv4Address != "" {
				ep.IPAMConfig.IPv4Address = netip.MustParseAddr(conf.IPv4Address) // checked by parseTaskConfig
			}
			if conf.IPv6Address != "" {
				ep.IPAMConfig.IPv6Address = netip.MustParseAddr(conf.IPv6Address)
			}
		}
		nc = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{conf.NetworkMode: ep}}
	}
	return client.ContainerCreateOptions{
		Config:           cc,
		HostConfig:       hc,
		NetworkingConfig: nc,
		Name:             containerName(cfg),
	}, nil
}

// containerLabels are the task's labels and ours; a task may not set ours.
func containerLabels(cfg *plugin.TaskConfig, conf *taskConfig) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range conf.Labels {
		if strings.HasPrefix(k, "com.hashicorp.nomad.") || strings.HasPrefix(k, "io.nomadish.") {
			return nil, fmt.Errorf("docker task config: labels %q: the com.hashicorp.nomad. and io.nomadish. prefixes are the driver's own; choose another key", k)
		}
		out[k] = v
	}
	out[LabelAllocID] = cfg.AllocID
	out[LabelJobName] = cfg.JobName
	out[LabelTaskGroupName] = cfg.TaskGroupName
	out[LabelTaskName] = cfg.Name
	out[LabelManaged] = "true"
	out[LabelTaskID] = cfg.ID
	if owner := ownerOf(cfg); owner != "" {
		out[LabelOwner] = owner
	}
	return out, nil
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// resources maps the scheduler's grant onto the container's cgroup: CPU
// shares from the MHz granted, the memory limit, and a soft limit
// (reservation) below a higher hard limit when memory_max or
// memory_hard_limit asks for one.
func resources(r plugin.Resources, conf *taskConfig) container.Resources {
	const mib = 1 << 20
	out := container.Resources{CPUShares: max(r.CPUMHz, 2)}
	hard := max(r.MemoryMaxMB, conf.MemoryHardLimit)
	switch {
	case hard > r.MemoryMB && r.MemoryMB > 0:
		out.Memory = hard * mib
		out.MemoryReservation = r.MemoryMB * mib
	case r.MemoryMB > 0:
		out.Memory = r.MemoryMB * mib
	}
	if out.Memory > 0 {
		out.MemorySwap = out.Memory // no swap beyond the limit
	}
	if conf.CPUHardLimit && r.CPUMHz > 0 {
		period := conf.CPUCFSPeriod
		if period == 0 {
			period = 100000
		}
		// The grant as a share of the machine is unknown here; MHz over
		// 1000 as cores is the approximation Nomad's docs describe.
		out.CPUPeriod = period
		out.CPUQuota = max(r.CPUMHz*period/1000, 1000)
	}
	if conf.PidsLimit > 0 {
		n := conf.PidsLimit
		out.PidsLimit = &n
	}
	return out
}

// normCap is a capability's name without CAP_, upper case.
func normCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// checkCaps refuses a cap_add outside the plugin's allow_caps. "ALL" in
// cap_add needs "all" in allow_caps.
func checkCaps(conf *taskConfig, pconf *pluginConfig) error {
	allowed := map[string]bool{}
	list := pconf.AllowCaps
	if list == nil {
		list = defaultCaps
	}
	for _, c := range list {
		allowed[normCap(c)] = true
	}
	if allowed["ALL"] {
		return nil
	}
	var refused []string
	for _, c := range conf.CapAdd {
		if !allowed[normCap(c)] {
			refused = append(refused, strings.ToLower(normCap(c)))
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("docker task config: cap_add %s is refused: not in the docker plugin config's allow_caps (add it there to allow it)", strings.Join(refused, ", "))
	}
	return nil
}

// binds are the task dir's local, secrets and alloc dirs at /local,
// /secrets and /alloc, the client's host volumes, and the task's volumes
// ("host:container[:ro]"). A relative host path is inside the task dir and
// may not leave it; an absolute one or a named volume needs the plugin's
// volumes { enabled = true }.
func binds(cfg *plugin.TaskConfig, conf *taskConfig, pconf *pluginConfig) ([]string, error) {
	td := cfg.TaskDir
	var out []string
	for _, b := range []struct{ host, ctr string }{
		{td.LocalDir, "/local"}, {td.SecretsDir, "/secrets"}, {td.SharedAllocDir, "/alloc"},
	} {
		if b.host != "" {
			out = append(out, b.host+":"+b.ctr)
		}
	}
	for _, m := range cfg.Mounts {
		s := m.HostPath + ":" + m.TaskPath
		if m.Readonly {
			s += ":ro"
		}
		out = append(out, s)
	}
	for i, v := range conf.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || !strings.HasPrefix(parts[1], "/") {
			return nil, fmt.Errorf("docker task config: volumes[%d] %q: want \"host_path:/container/path\" or \"host_path:/container/path:ro\"", i, v)
		}
		host, err := hostPath(cfg, pconf, parts[0], fmt.Sprintf("volumes[%d]", i), conf.VolumeDriver != "")
		if err != nil {
			return nil, err
		}
		parts[0] = host
		out = append(out, strings.Join(parts, ":"))
	}
	return out, nil
}

// hostPath resolves the host side of a volume or bind mount.
func hostPath(cfg *plugin.TaskConfig, pconf *pluginConfig, p, where string, named bool) (string, error) {
	switch {
	case named || (!strings.HasPrefix(p, "/") && !strings.HasPrefix(p, ".") && !strings.Contains(p, "/")):
		// A named volume (of the engine or of volume_driver).
		if !pconf.volumesEnabled() {
			return "", fmt.Errorf("docker task config: %s: named volume %q is refused: the docker plugin config does not set volumes { enabled = true }", where, p)
		}
		return p, nil
	case filepath.IsAbs(p):
		if !pconf.volumesEnabled() {
			return "", fmt.Errorf("docker task config: %s: host path %q is refused: the docker plugin config does not set volumes { enabled = true }; paths relative to the task directory are always allowed", where, p)
		}
		return filepath.Clean(p), nil
	}
	dir := cfg.TaskDir.Dir
	if dir == "" {
		return "", fmt.Errorf("docker task config: %s: relative path %q needs a task directory", where, p)
	}
	full := filepath.Join(dir, p)
	if rel, err := filepath.Rel(dir, full); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("docker task config: %s: path %q leaves the task directory; give a path inside it such as \"local/data\"", where, p)
	}
	return full, nil
}

// mounts are the task's mount blocks.
func mounts(cfg *plugin.TaskConfig, conf *taskConfig, pconf *pluginConfig) ([]mount.Mount, error) {
	var out []mount.Mount
	for i, m := range conf.Mounts {
		where := fmt.Sprintf("mount[%d]", i)
		typ := m.Type
		if typ == "" {
			typ = "volume" // Nomad's default
		}
		mm := mount.Mount{Type: mount.Type(typ), Target: m.Target, ReadOnly: m.Readonly}
		switch typ {
		case "bind":
			if m.Source == "" {
				return nil, fmt.Errorf("docker task config: %s.source is required for a bind mount: a host path, or a path in the task directory such as \"local/data\"", where)
			}
			src, err := hostPath(cfg, pconf, m.Source, where, false)
			if err != nil {
				return nil, err
			}
			if !filepath.IsAbs(src) {
				return nil, fmt.Errorf("docker task config: %s.source %q: a bind mount needs a path, not a volume name", where, m.Source)
			}
			mm.Source = src
		case "volume":
			if !pconf.volumesEnabled() {
				return nil, fmt.Errorf("docker task config: %s: volume mounts are refused: the docker plugin config does not set volumes { enabled = true }", where)
			}
			mm.Source = m.Source
		case "tmpfs":
			if m.Source != "" {
				return nil, fmt.Errorf("docker task config: %s.source must be empty for a tmpfs mount", where)
			}
		}
		if o := m.BindOptions; o != nil && o.Propagation != "" {
			mm.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(o.Propagation)}
		}
		if o := m.TmpfsOptions; o != nil {
			mm.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: o.Size, Mode: os.FileMode(o.Mode)}
		}
		if o := m.VolumeOptions; o != nil {
			mm.VolumeOptions = &mount.VolumeOptions{NoCopy: o.NoCopy, Labels: map[string]string(o.Labels)}
			if d := o.DriverConfig; d != nil {
				mm.VolumeOptions.DriverConfig = &mount.Driver{Name: d.Name, Options: map[string]string(d.Options)}
			}
		}
		out = append(out, mm)
	}
	return out, nil
}

// ports publishes the group network's ports the task names: each label's
// host port (NOMAD_HOST_PORT_<label>) and address (NOMAD_IP_<label>) map
// onto its container port (port_map, else NOMAD_PORT_<label>), TCP and UDP.
// Without ports, port_map's labels are published (the legacy form).
func ports(cfg *plugin.TaskConfig, conf *taskConfig) (network.PortSet, network.PortMap, error) {
	labels := conf.Ports
	if len(labels) == 0 {
		for l := range conf.PortMap {
			labels = append(labels, l)
		}
		sort.Strings(labels)
	}
	if len(labels) == 0 {
		return nil, nil, nil
	}
	set, pm := network.PortSet{}, network.PortMap{}
	for _, label := range labels {
		hostPort, ok := cfg.Env["NOMAD_HOST_PORT_"+label]
		if !ok {
			return nil, nil, fmt.Errorf("docker task config: ports %q: the task group's network block has no port with that label (no NOMAD_HOST_PORT_%s in the task's environment)", label, label)
		}
		if _, err := strconv.ParseUint(hostPort, 10, 16); err != nil {
			return nil, nil, fmt.Errorf("docker task config: ports %q: host port %q is not a port number", label, hostPort)
		}
		ctrPort := cfg.Env["NOMAD_PORT_"+label]
		if p, ok := conf.PortMap[label]; ok {
			if p < 1 || p > 65535 {
				return nil, nil, fmt.Errorf("docker task config: port_map %q = %d: want a port from 1 to 65535", label, p)
			}
			ctrPort = strconv.Itoa(p)
		}
		if ctrPort == "" {
			ctrPort = hostPort
		}
		var ip netip.Addr
		if s := cfg.Env["NOMAD_IP_"+label]; s != "" {
			if a, err := netip.ParseAddr(s); err == nil {
				ip = a
			}
		}
		for _, proto := range []string{"tcp", "udp"} {
			p, err := network.ParsePort(ctrPort + "/" + proto)
			if err != nil {
				return nil, nil, fmt.Errorf("docker task config: ports %q: container port %q: %w", label, ctrPort, err)
			}
			set[p] = struct{}{}
			pm[p] = append(pm[p], network.PortBinding{HostIP: ip, HostPort: hostPort})
		}
	}
	return set, pm, nil
}

// ulimits parses `ulimit { nofile = "1024:2048" }`: a soft:hard pair or one
// number for both.
func ulimits(m stringMap) ([]*container.Ulimit, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*container.Ulimit
	for _, k := range keys {
		v := m[k]
		if !strings.Contains(v, ":") {
			v = v + ":" + v
		}
		u, err := units.ParseUlimit(k + "=" + v)
		if err != nil {
			return nil, fmt.Errorf("docker task config: ulimit %s = %q: want a number or \"soft:hard\" such as \"1024:2048\" for a limit such as nofile, nproc or memlock: %w", k, m[k], err)
		}
		out = append(out, u)
	}
	return out, nil
}
