package docker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// taskConfig is a task's config block as the client sends it: the JSON of
// the object ConfigSpec decodes to. The options that also have a block form
// (labels, ulimit, sysctl, port_map) arrive under two keys, merged by
// parseTaskConfig; either key also takes Nomad's wire form, a list of
// objects.
type taskConfig struct {
	Image            string        `json:"image"`
	Command          string        `json:"command"`
	Args             []string      `json:"args"`
	Entrypoint       []string      `json:"entrypoint"`
	WorkDir          string        `json:"work_dir"`
	Ports            []string      `json:"ports"`
	PortMap          numberMap     `json:"port_map"`
	PortMapBlock     numberMap     `json:"port_map_block"`
	Volumes          []string      `json:"volumes"`
	VolumeDriver     string        `json:"volume_driver"`
	NetworkMode      string        `json:"network_mode"`
	NetworkAliases   []string      `json:"network_aliases"`
	Hostname         string        `json:"hostname"`
	DNSServers       []string      `json:"dns_servers"`
	DNSSearchDomains []string      `json:"dns_search_domains"`
	DNSOptions       []string      `json:"dns_options"`
	ExtraHosts       []string      `json:"extra_hosts"`
	Labels           stringMap     `json:"labels"`
	LabelsBlock      stringMap     `json:"labels_block"`
	Privileged       bool          `json:"privileged"`
	ForcePull        bool          `json:"force_pull"`
	ImagePullTimeout string        `json:"image_pull_timeout"`
	CPUHardLimit     bool          `json:"cpu_hard_limit"`
	CPUCFSPeriod     int64         `json:"cpu_cfs_period"`
	MemoryHardLimit  int64         `json:"memory_hard_limit"`
	ShmSize          int64         `json:"shm_size"`
	PidsLimit        int64         `json:"pids_limit"`
	CapAdd           []string      `json:"cap_add"`
	CapDrop          []string      `json:"cap_drop"`
	SecurityOpt      []string      `json:"security_opt"`
	Sysctl           stringMap     `json:"sysctl"`
	SysctlBlock      stringMap     `json:"sysctl_block"`
	Ulimit           stringMap     `json:"ulimit"`
	UlimitBlock      stringMap     `json:"ulimit_block"`
	Init             bool          `json:"init"`
	Interactive      bool          `json:"interactive"`
	TTY              bool          `json:"tty"`
	IPCMode          string        `json:"ipc_mode"`
	PIDMode          string        `json:"pid_mode"`
	UsernsMode       string        `json:"userns_mode"`
	ReadonlyRootfs   bool          `json:"readonly_rootfs"`
	Load             string        `json:"load"`
	AuthSoftFail     bool          `json:"auth_soft_fail"`
	Auth             *authConfig   `json:"auth"`
	Logging          *logging      `json:"logging"`
	Mounts           []mountConfig `json:"mount"`
	MountsList       []mountConfig `json:"mounts"` // Nomad's deprecated list form of mount
	Healthchecks     *healthchecks `json:"healthchecks"`
	Devices          []device      `json:"devices"`
	StorageOpt       stringMap     `json:"storage_opt"`
	StorageOptBlock  stringMap     `json:"storage_opt_block"`
	CpusetCpus       string        `json:"cpuset_cpus"`
	GroupAdd         []string      `json:"group_add"`
	OomScoreAdj      int           `json:"oom_score_adj"`
	Runtime          string        `json:"runtime"`
	UTSMode          string        `json:"uts_mode"`
	CgroupNS         string        `json:"cgroupns"`
	IPv4Address      string        `json:"ipv4_address"`
	IPv6Address      string        `json:"ipv6_address"`
	// Accepted for Nomad's job files, not applied: see ignoredOptions.
	MacAddress           string `json:"mac_address"`
	AdvertiseIPv6Address bool   `json:"advertise_ipv6_address"`
	Isolation            string `json:"isolation"`

	pullTimeout time.Duration // parsed ImagePullTimeout; 0 is the default
}

type authConfig struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Email         string `json:"email"`
	ServerAddress string `json:"server_address"`
}

// logging is the container's log driver. Nomad's job JSON gives config as
// a list of objects (its block form) and calls type "driver" in old files.
type logging struct {
	Type        string    `json:"type"`
	Driver      string    `json:"driver"`
	Config      stringMap `json:"config"`
	ConfigBlock stringMap `json:"config_block"`
}

func (l *logging) UnmarshalJSON(b []byte) error {
	type plain logging
	return onceObject(b, (*plain)(l))
}

func (a *authConfig) UnmarshalJSON(b []byte) error {
	type plain authConfig
	return onceObject(b, (*plain)(a))
}

func (h *healthchecks) UnmarshalJSON(b []byte) error {
	type plain healthchecks
	return onceObject(b, (*plain)(h))
}

type mountConfig struct {
	Type          string         `json:"type"`
	Target        string         `json:"target"`
	Source        string         `json:"source"`
	Readonly      bool           `json:"readonly"`
	BindOptions   *bindOptions   `json:"bind_options"`
	TmpfsOptions  *tmpfsOptions  `json:"tmpfs_options"`
	VolumeOptions *volumeOptions `json:"volume_options"`
}

// The option blocks of a mount arrive as an object, or as a list of one
// object in Nomad's job JSON; onceObject takes either.
type bindOptions struct {
	Propagation string `json:"propagation"`
}

func (o *bindOptions) UnmarshalJSON(b []byte) error {
	type plain bindOptions
	return onceObject(b, (*plain)(o))
}

type tmpfsOptions struct {
	Size int64  `json:"size"` // bytes
	Mode uint32 `json:"mode"`
}

func (o *tmpfsOptions) UnmarshalJSON(b []byte) error {
	type plain tmpfsOptions
	return onceObject(b, (*plain)(o))
}

type volumeOptions struct {
	NoCopy       bool          `json:"no_copy"`
	Labels       stringMap     `json:"labels"`
	LabelsBlock  stringMap     `json:"labels_block"`
	DriverConfig *volumeDriver `json:"driver_config"`
}

func (o *volumeOptions) UnmarshalJSON(b []byte) error {
	type plain volumeOptions
	return onceObject(b, (*plain)(o))
}

type volumeDriver struct {
	Name         string    `json:"name"`
	Options      stringMap `json:"options"`
	OptionsBlock stringMap `json:"options_block"`
}

func (o *volumeDriver) UnmarshalJSON(b []byte) error {
	type plain volumeDriver
	return onceObject(b, (*plain)(o))
}

// device is a host device given to the container.
type device struct {
	HostPath          string `json:"host_path"`
	ContainerPath     string `json:"container_path"`
	CgroupPermissions string `json:"cgroup_permissions"`
}

// onceObject decodes an object, or a list holding at most one, into v,
// refusing unknown keys.
func onceObject(b []byte, v any) error {
	s := bytes.TrimSpace(b)
	if len(s) > 0 && s[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(s, &list); err != nil {
			return err
		}
		switch len(list) {
		case 0:
			return nil
		case 1:
			s = list[0]
		default:
			return fmt.Errorf("want one block, got %d", len(list))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

type healthchecks struct {
	Disable bool `json:"disable"`
}

// defaultPullTimeout bounds an image pull when image_pull_timeout is unset,
// as Nomad's docker driver does.
const defaultPullTimeout = 5 * time.Minute

// taskConfigKeys are the options of a task's config block, for errors.
const taskConfigKeys = "image, command, args, entrypoint, work_dir, ports, port_map, volumes, volume_driver, network_mode, network_aliases, hostname, dns_servers, dns_search_domains, dns_options, extra_hosts, labels, privileged, force_pull, image_pull_timeout, cpu_hard_limit, cpu_cfs_period, cpuset_cpus, memory_hard_limit, shm_size, pids_limit, cap_add, cap_drop, security_opt, sysctl, ulimit, storage_opt, devices, group_add, oom_score_adj, runtime, uts_mode, cgroupns, ipv4_address, ipv6_address, mac_address, advertise_ipv6_address, isolation, init, interactive, tty, ipc_mode, pid_mode, userns_mode, readonly_rootfs, load, auth_soft_fail, auth, logging { type, config }, mount { type, target, source, readonly, bind_options, tmpfs_options, volume_options }, mounts, healthchecks"

func parseTaskConfig(b []byte) (*taskConfig, error) {
	c := &taskConfig{}
	if s := strings.TrimSpace(string(b)); s != "" && s != "null" {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("docker task config: %w (the options are: %s)", err, taskConfigKeys)
		}
	}
	if strings.TrimSpace(c.Image) == "" {
		return nil, fmt.Errorf(`docker task config: image is required: give an image reference such as "redis:7" or "registry.example.com/team/app:1.2"`)
	}
	c.Labels = c.Labels.merge(c.LabelsBlock)
	c.Sysctl = c.Sysctl.merge(c.SysctlBlock)
	c.Ulimit = c.Ulimit.merge(c.UlimitBlock)
	c.PortMap = c.PortMap.merge(c.PortMapBlock)
	c.StorageOpt = c.StorageOpt.merge(c.StorageOptBlock)
	c.LabelsBlock, c.SysctlBlock, c.UlimitBlock, c.PortMapBlock, c.StorageOptBlock = nil, nil, nil, nil, nil
	if l := c.Logging; l != nil {
		if l.Type == "" {
			l.Type = l.Driver
		}
		l.Config, l.ConfigBlock = l.Config.merge(l.ConfigBlock), nil
	}
	c.Mounts, c.MountsList = append(c.Mounts, c.MountsList...), nil
	if err := c.checkHostOptions(); err != nil {
		return nil, err
	}
	if c.ImagePullTimeout != "" {
		d, err := time.ParseDuration(c.ImagePullTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("docker task config: image_pull_timeout %q: want a positive duration such as \"5m\" or \"90s\"", c.ImagePullTimeout)
		}
		c.pullTimeout = d
	}
	switch c.NetworkMode {
	case "", "bridge", "host", "none", "default":
	default:
		if !strings.HasPrefix(c.NetworkMode, "container:") && strings.ContainsAny(c.NetworkMode, " /") {
			return nil, fmt.Errorf("docker task config: network_mode %q: want \"bridge\", \"host\", \"none\", \"container:<name>\" or the name of a Docker network", c.NetworkMode)
		}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{{"memory_hard_limit", c.MemoryHardLimit}, {"shm_size", c.ShmSize}, {"cpu_cfs_period", c.CPUCFSPeriod}, {"pids_limit", c.PidsLimit}} {
		if n.v < 0 {
			return nil, fmt.Errorf("docker task config: %s %d: want a positive number", n.name, n.v)
		}
	}
	if c.CPUCFSPeriod > 1000000 || (c.CPUCFSPeriod > 0 && c.CPUCFSPeriod < 1000) {
		return nil, fmt.Errorf("docker task config: cpu_cfs_period %d: want microseconds from 1000 to 1000000", c.CPUCFSPeriod)
	}
	for i, m := range c.Mounts {
		switch m.Type {
		case "", "bind", "volume", "tmpfs":
		default:
			return nil, fmt.Errorf("docker task config: mount[%d].type %q: want \"bind\", \"volume\" or \"tmpfs\"", i, m.Type)
		}
		if !strings.HasPrefix(m.Target, "/") {
			return nil, fmt.Errorf("docker task config: mount[%d].target %q: want an absolute path in the container such as \"/data\"", i, m.Target)
		}
		if err := checkMountOptions(i, m); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// stringMap is a map of strings that also decodes from a list of maps, the
// form Nomad's API gives block-style options such as `labels { }`.
type stringMap map[string]string

func (m *stringMap) UnmarshalJSON(b []byte) error {
	out, err := decodeMapOrList[string](b)
	*m = out
	return err
}

func (m stringMap) merge(o stringMap) stringMap {
	if len(o) == 0 {
		return m
	}
	if m == nil {
		m = stringMap{}
	}
	for k, v := range o {
		m[k] = v
	}
	return m
}

// numberMap is a map of whole numbers (port_map) with the same two forms.
type numberMap map[string]int

func (m *numberMap) UnmarshalJSON(b []byte) error {
	out, err := decodeMapOrList[int](b)
	*m = out
	return err
}

func (m numberMap) merge(o numberMap) numberMap {
	if len(o) == 0 {
		return m
	}
	if m == nil {
		m = numberMap{}
	}
	for k, v := range o {
		m[k] = v
	}
	return m
}

func decodeMapOrList[V any](b []byte) (map[string]V, error) {
	s := bytes.TrimSpace(b)
	if len(s) == 0 || string(s) == "null" {
		return nil, nil
	}
	if s[0] == '[' {
		var list []map[string]V
		if err := json.Unmarshal(s, &list); err != nil {
			return nil, fmt.Errorf("want an object or a list of objects: %w", err)
		}
		out := map[string]V{}
		for _, m := range list {
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
	out := map[string]V{}
	if err := json.Unmarshal(s, &out); err != nil {
		return nil, fmt.Errorf("want an object or a list of objects: %w", err)
	}
	return out, nil
}

// DefaultEndpoint is the engine's standard Unix socket.
const DefaultEndpoint = "unix:///var/run/docker.sock"

// defaultImageDelay is how long an image no task uses is kept, as in
// Nomad's docker plugin.
const defaultImageDelay = 3 * time.Minute

// defaultPullActivityTimeout is how long a pull may report no progress
// before it is given up, as Nomad's default.
const defaultPullActivityTimeout = 2 * time.Minute

// pluginConfig is the driver's plugin config block as JSON.
type pluginConfig struct {
	Endpoint            string         `json:"endpoint"`
	AllowPrivileged     bool           `json:"allow_privileged"`
	AllowCaps           []string       `json:"allow_caps"`
	AllowRuntimes       []string       `json:"allow_runtimes"`
	Volumes             *volumesConfig `json:"volumes"`
	GC                  *gcConfig      `json:"gc"`
	PullActivityTimeout string         `json:"pull_activity_timeout"`

	pullIdle   time.Duration // pull_activity_timeout, default defaultPullActivityTimeout
	imageGC    bool          // remove unused images (gc.image, default true)
	imageDelay time.Duration // gc.image_delay, default defaultImageDelay
	// containerGC is gc.container: remove orphaned containers of ours.
	containerGC bool
}

type volumesConfig struct {
	Enabled bool `json:"enabled"`
}

type gcConfig struct {
	Image      *bool  `json:"image"`
	ImageDelay string `json:"image_delay"`
	Container  *bool  `json:"container"`
}

// pluginConfigKeys are the options of the plugin config block, for errors.
const pluginConfigKeys = "endpoint, allow_privileged, allow_caps, allow_runtimes, volumes { enabled }, gc { image, image_delay, container }, pull_activity_timeout"

func parsePluginConfig(b []byte) (*pluginConfig, error) {
	c := &pluginConfig{}
	if s := strings.TrimSpace(string(b)); s != "" && s != "null" {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("docker plugin config: %w (the options are: %s)", err, pluginConfigKeys)
		}
	}
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if !strings.HasPrefix(c.Endpoint, "unix://") && !strings.HasPrefix(c.Endpoint, "tcp://") {
		return nil, fmt.Errorf("docker plugin config: endpoint %q: want \"unix:///path/to/docker.sock\" or \"tcp://host:port\"", c.Endpoint)
	}
	c.imageGC, c.imageDelay, c.containerGC = true, defaultImageDelay, true
	if c.GC != nil {
		if c.GC.Image != nil {
			c.imageGC = *c.GC.Image
		}
		if c.GC.Container != nil {
			c.containerGC = *c.GC.Container
		}
		if c.GC.ImageDelay != "" {
			d, err := time.ParseDuration(c.GC.ImageDelay)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("docker plugin config: gc.image_delay %q: want a duration such as \"3m\" or \"1h\"", c.GC.ImageDelay)
			}
			c.imageDelay = d
		}
	}
	c.pullIdle = defaultPullActivityTimeout
	if c.PullActivityTimeout != "" {
		d, err := time.ParseDuration(c.PullActivityTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("docker plugin config: pull_activity_timeout %q: want a positive duration such as \"2m\"", c.PullActivityTimeout)
		}
		c.pullIdle = d
	}
	return c, nil
}

// defaultAllowRuntimes are the OCI runtimes a task's runtime option may
// name when the plugin config has no allow_runtimes, as in Nomad.
var defaultAllowRuntimes = []string{"runc", "nvidia"}

func (c *pluginConfig) allowedRuntimes() []string {
	if c.AllowRuntimes == nil {
		return defaultAllowRuntimes
	}
	return c.AllowRuntimes
}

// runtimeAllowed says whether a task may run under the OCI runtime r.
func (c *pluginConfig) runtimeAllowed(r string) bool {
	for _, a := range c.allowedRuntimes() {
		if a == r {
			return true
		}
	}
	return false
}

// quoteAll is ["a", "b"] for messages.
func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// volumesEnabled says whether tasks may bind host paths.
func (c *pluginConfig) volumesEnabled() bool {
	return c.Volumes != nil && c.Volumes.Enabled
}
