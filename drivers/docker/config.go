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
	Healthchecks     *healthchecks `json:"healthchecks"`

	pullTimeout time.Duration // parsed ImagePullTimeout; 0 is the default
}

type authConfig struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Email         string `json:"email"`
	ServerAddress string `json:"server_address"`
}

type logging struct {
	Type   string            `json:"type"`
	Config map[string]string `json:"config"`
}

type mountConfig struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Source   string `json:"source"`
	Readonly bool   `json:"readonly"`
}

type healthchecks struct {
	Disable bool `json:"disable"`
}

// defaultPullTimeout bounds an image pull when image_pull_timeout is unset,
// as Nomad's docker driver does.
const defaultPullTimeout = 5 * time.Minute

// taskConfigKeys are the options of a task's config block, for errors.
const taskConfigKeys = "image, command, args, entrypoint, work_dir, ports, port_map, volumes, volume_driver, network_mode, network_aliases, hostname, dns_servers, dns_search_domains, dns_options, extra_hosts, labels, privileged, force_pull, image_pull_timeout, cpu_hard_limit, cpu_cfs_period, memory_hard_limit, shm_size, pids_limit, cap_add, cap_drop, security_opt, sysctl, ulimit, init, interactive, tty, ipc_mode, pid_mode, userns_mode, readonly_rootfs, load, auth_soft_fail, auth, logging, mount, healthchecks"

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
	c.LabelsBlock, c.SysctlBlock, c.UlimitBlock, c.PortMapBlock = nil, nil, nil, nil
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
const pluginConfigKeys = "endpoint, allow_privileged, allow_caps, volumes { enabled }, gc { image, image_delay, container }, pull_activity_timeout"

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

// volumesEnabled says whether tasks may bind host paths.
func (c *pluginConfig) volumesEnabled() bool {
	return c.Volumes != nil && c.Volumes.Enabled
}
