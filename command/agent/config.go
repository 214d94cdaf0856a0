package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Default ports, the same as Nomad's. The WAN gossip pool is nomadish's own
// addition and listens one above the LAN pool unless ports.serf_wan says
// otherwise.
const (
	DefaultHTTPPort = 4646
	DefaultRPCPort  = 4647
	DefaultSerfPort = 4648
	// DefaultDNSPort is the DNS port -dev uses (Consul's); without -dev
	// DNS is off unless ports.dns is set.
	DefaultDNSPort = 8600
)

// DefaultRetryInterval is how long the server waits between attempts to
// join the addresses in server_join.retry_join.
const DefaultRetryInterval = 30 * time.Second

// Config is the agent configuration: what the HCL (or JSON) files say,
// overlaid in the order given, then the command-line flags. The hcl tags
// are the file format; the json tags are what /v1/agent/self shows.
//
// Loading decodes every file onto the same Config, so an attribute a file
// does not mention keeps its earlier value and one it mentions replaces it,
// lists and maps included. Plugin blocks merge by name.
type Config struct {
	Region     string `hcl:"region,optional" json:"Region"`
	Datacenter string `hcl:"datacenter,optional" json:"Datacenter"`
	NodeName   string `hcl:"name,optional" json:"NodeName"`
	DataDir    string `hcl:"data_dir,optional" json:"DataDir"`
	BindAddr   string `hcl:"bind_addr,optional" json:"BindAddr"`
	LogLevel   string `hcl:"log_level,optional" json:"LogLevel"`

	// EnableDebug serves net/http/pprof under /debug/pprof/ on the HTTP
	// listener; -dev turns it on.
	EnableDebug bool `hcl:"enable_debug,optional" json:"EnableDebug"`

	// HTTPAllowedOrigins are the web origins ("https://ui.example.com")
	// whose pages may send writes to the HTTP API; "*" allows any. A
	// write that a browser sends from any other origin is refused (see
	// http_origin.go). Empty: only the API's own origin.
	HTTPAllowedOrigins []string `hcl:"http_allowed_origins,optional" json:"HTTPAllowedOrigins"`

	Ports     *Ports          `hcl:"ports,block" json:"Ports"`
	Addresses *Addresses      `hcl:"addresses,block" json:"Addresses"`
	Advertise *AdvertiseAddrs `hcl:"advertise,block" json:"AdvertiseAddrs"`
	Server    *ServerConfig   `hcl:"server,block" json:"Server"`
	Client    *ClientConfig   `hcl:"client,block" json:"Client"`
	Plugins   []*PluginConfig `hcl:"plugin,block" json:"Plugins"`

	// DevMode is set by -dev only: a single server that bootstraps
	// itself, keeps Raft in memory unless a data_dir is given, and binds
	// to the loopback interface.
	DevMode bool `json:"DevMode"`

	// Drivers are the built-in task drivers the client runs, each as a
	// `nomadish plugin NAME` process; the agent command sets them (every
	// driver the binary serves), files cannot.
	Drivers []string `json:"Drivers"`

	// Files are the configuration files loaded, in order.
	Files []string `json:"Files"`
}

// Ports are the agent's listening ports.
type Ports struct {
	HTTP int `hcl:"http,optional" json:"HTTP"`
	RPC  int `hcl:"rpc,optional" json:"RPC"`
	Serf int `hcl:"serf,optional" json:"Serf"`
	// SerfWAN is the WAN gossip port; nil means Serf+1 (or 0 when Serf
	// is 0).
	SerfWAN *int `hcl:"serf_wan,optional" json:"SerfWAN"`
	// DNS is the DNS server's port, UDP and TCP (dns.go); 0 is off.
	DNS int `hcl:"dns,optional" json:"DNS"`
}

// WANPort returns the WAN gossip port, defaulted to Serf+1.
func (p *Ports) WANPort() int {
	if p.SerfWAN != nil {
		return *p.SerfWAN
	}
	if p.Serf == 0 {
		return 0
	}
	return p.Serf + 1
}

// Addresses are per-listener bind addresses; empty means bind_addr.
type Addresses struct {
	HTTP string `hcl:"http,optional" json:"HTTP"`
	RPC  string `hcl:"rpc,optional" json:"RPC"`
	Serf string `hcl:"serf,optional" json:"Serf"`
}

// AdvertiseAddrs are the addresses other agents use to reach this one, each
// "host" or "host:port"; empty means the bind address when it is a specific
// IP, else the server's own choice (the first private IP).
type AdvertiseAddrs struct {
	HTTP string `hcl:"http,optional" json:"HTTP"`
	RPC  string `hcl:"rpc,optional" json:"RPC"`
	Serf string `hcl:"serf,optional" json:"Serf"`
}

// ServerConfig is the server block.
type ServerConfig struct {
	Enabled         bool        `hcl:"enabled,optional" json:"Enabled"`
	BootstrapExpect int         `hcl:"bootstrap_expect,optional" json:"BootstrapExpect"`
	RaftProtocol    int         `hcl:"raft_protocol,optional" json:"RaftProtocol"`
	ServerJoin      *ServerJoin `hcl:"server_join,block" json:"ServerJoin"`

	// Client heartbeats, with Nomad's names: durations such as "10s";
	// empty keeps the server's default (see website/agent.md).
	MinHeartbeatTTL        string  `hcl:"min_heartbeat_ttl,optional" json:"MinHeartbeatTTL"`
	HeartbeatGrace         string  `hcl:"heartbeat_grace,optional" json:"HeartbeatGrace"`
	FailoverHeartbeatTTL   string  `hcl:"failover_heartbeat_ttl,optional" json:"FailoverHeartbeatTTL"`
	MaxHeartbeatsPerSecond float64 `hcl:"max_heartbeats_per_second,optional" json:"MaxHeartbeatsPerSecond"`

	// Job limits: the largest count of one task group, and of the sum
	// of a job's counts (the allocations one evaluation may place);
	// 0 keeps the default, 100,000 each (see website/operations.md).
	JobMaxGroupCount int `hcl:"job_max_group_count,optional" json:"JobMaxGroupCount"`
	JobMaxPlacements int `hcl:"job_max_placements,optional" json:"JobMaxPlacements"`

	// AuthoritativeRegion is the region cluster-wide objects (node pools)
	// are written in and replicated from (see website/federation.md).
	AuthoritativeRegion string `hcl:"authoritative_region,optional" json:"AuthoritativeRegion"`
}

// positiveDuration parses a configured duration that must be above zero.
func positiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want e.g. 10s or 1m)", v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", v)
	}
	return d, nil
}

// ServerJoin says how a server finds the other servers of its region.
type ServerJoin struct {
	StartJoin []string `hcl:"start_join,optional" json:"StartJoin"`
	RetryJoin []string `hcl:"retry_join,optional" json:"RetryJoin"`
	// RetryInterval is a duration such as "30s".
	RetryInterval string `hcl:"retry_interval,optional" json:"RetryInterval"`
	// RetryMax bounds the attempts; zero retries forever.
	RetryMax int `hcl:"retry_max,optional" json:"RetryMax"`
}

// ClientConfig is the client block: how the client part of the agent
// registers, what it offers and how it cleans up. The data it keeps lives
// under data_dir: <data_dir>/client (its state) and <data_dir>/alloc (the
// allocation directories).
type ClientConfig struct {
	Enabled bool `hcl:"enabled,optional" json:"Enabled"`
	// Servers are the RPC addresses (host:port) of servers to register
	// with; empty on an agent that also runs the server means itself.
	Servers   []string          `hcl:"servers,optional" json:"Servers"`
	NodeClass string            `hcl:"node_class,optional" json:"NodeClass"`
	NodePool  string            `hcl:"node_pool,optional" json:"NodePool"`
	Meta      map[string]string `hcl:"meta,optional" json:"Meta"`
	// HostVolumes are `host_volume "NAME" { path = ..., read_only = ... }`
	// blocks: host directories groups may mount by name.
	HostVolumes []*HostVolumeConfig `hcl:"host_volume,block" json:"HostVolumes"`
	// GCMaxAllocs is how many terminal allocations the client keeps
	// before it removes the oldest (0 means the client's default).
	GCMaxAllocs int `hcl:"gc_max_allocs,optional" json:"GCMaxAllocs"`
	// GCDiskUsageThreshold is the percentage of disk use above which
	// the client removes terminal allocations (0 means the default).
	GCDiskUsageThreshold float64         `hcl:"gc_disk_usage_threshold,optional" json:"GCDiskUsageThreshold"`
	Artifact             *ArtifactConfig `hcl:"artifact,block" json:"Artifact"`
	// NetworkInterface names the interface whose address the node
	// advertises (default: the one of the default route).
	NetworkInterface string `hcl:"network_interface,optional" json:"NetworkInterface"`
	// CpuTotalCompute overrides the fingerprinted CPU capacity, in MHz.
	CpuTotalCompute int64 `hcl:"cpu_total_compute,optional" json:"CpuTotalCompute"`
	// Reserved is held back from scheduling for the host's own use.
	Reserved *ReservedConfig `hcl:"reserved,block" json:"Reserved"`
	// StateDir and AllocDir move the client's state (node identity,
	// local database) and its allocation directories out of data_dir.
	StateDir string `hcl:"state_dir,optional" json:"StateDir"`
	AllocDir string `hcl:"alloc_dir,optional" json:"AllocDir"`
	// LB configures the built-in load balancer (a nomadish addition),
	// which serves the lb blocks of services on this node.
	LB *LBConfig `hcl:"lb,block" json:"LB"`
}

// LBConfig is the client's lb block.
type LBConfig struct {
	// Enabled turns the balancer off when false; it is on by default.
	Enabled *bool `hcl:"enabled,optional" json:"Enabled"`
	// Address is the IP the listen ports are opened on (default
	// bind_addr).
	Address string `hcl:"address,optional" json:"Address"`
	// DrainTimeout is how long an instance that turned critical or
	// stopped keeps the requests and connections it serves, a duration
	// such as "30s" (the default).
	DrainTimeout string `hcl:"drain_timeout,optional" json:"DrainTimeout"`
}

// lbEnabled reports whether the client runs the load balancer.
func (c *ClientConfig) lbEnabled() bool {
	return c.LB == nil || c.LB.Enabled == nil || *c.LB.Enabled
}

// ReservedConfig is the client's reserved block: resources of the host
// the scheduler must not give to allocations.
type ReservedConfig struct {
	CPU           int64  `hcl:"cpu,optional" json:"CPU"`       // MHz
	Memory        int64  `hcl:"memory,optional" json:"Memory"` // MB
	Disk          int64  `hcl:"disk,optional" json:"Disk"`     // MB
	ReservedPorts string `hcl:"reserved_ports,optional" json:"ReservedPorts"`
}

// HostVolumeConfig is a host_volume block of the client.
type HostVolumeConfig struct {
	Name     string `hcl:"name,label" json:"Name"`
	Path     string `hcl:"path" json:"Path"`
	ReadOnly bool   `hcl:"read_only,optional" json:"ReadOnly"`
}

// ArtifactConfig is the client's artifact block.
type ArtifactConfig struct {
	// FileRoots are host directories that file:// artifact sources (and
	// absolute paths) may come from, besides the allocation directory.
	FileRoots []string `hcl:"file_roots,optional" json:"FileRoots"`
}

// PluginConfig is a `plugin "NAME" { config { ... } }` block. The config
// body is free-form and is handed to the plugin when the client starts it.
type PluginConfig struct {
	Name   string      `hcl:"name,label" json:"Name"`
	Args   []string    `hcl:"args,optional" json:"Args"`
	Config *PluginBody `hcl:"config,block" json:"-"`
}

// PluginBody holds a plugin's configuration body undecoded.
type PluginBody struct {
	Body hcl.Body `hcl:",remain"`
}

// DefaultConfig is the configuration before any file or flag.
func DefaultConfig() *Config {
	return &Config{
		Region:     "global",
		Datacenter: "dc1",
		NodeName:   hostname(),
		BindAddr:   "0.0.0.0",
		LogLevel:   "INFO",
		Ports: &Ports{
			HTTP: DefaultHTTPPort,
			RPC:  DefaultRPCPort,
			Serf: DefaultSerfPort,
		},
		Addresses: &Addresses{},
		Advertise: &AdvertiseAddrs{},
		Server: &ServerConfig{
			ServerJoin: &ServerJoin{RetryInterval: DefaultRetryInterval.String()},
		},
		Client: &ClientConfig{},
	}
}

// DevConfig is the configuration of `nomadish agent -dev`: server and client
// in one process, bootstrapping alone, on 127.0.0.1, with Raft in memory.
func DevConfig() *Config {
	c := DefaultConfig()
	c.DevMode = true
	c.BindAddr = "127.0.0.1"
	c.LogLevel = "DEBUG"
	c.EnableDebug = true
	c.Server.Enabled = true
	c.Server.BootstrapExpect = 1
	c.Client.Enabled = true
	// If another agent holds the port, -dev runs without DNS (dns.go).
	c.Ports.DNS = DefaultDNSPort
	return c
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "nomadish"
	}
	return h
}

// LoadConfig reads the configuration files and directories in paths onto
// base, in order. A directory contributes its *.hcl and *.json files in
// lexical order. Errors name the file, line and column.
func LoadConfig(base *Config, paths []string) error {
	parser := hclparse.NewParser()
	for _, p := range paths {
		files, err := configFiles(p)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := loadFile(parser, base, f); err != nil {
				return err
			}
			base.Files = append(base.Files, f)
		}
	}
	return nil
}

func configFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".hcl" && ext != ".json") {
			continue
		}
		out = append(out, filepath.Join(path, e.Name()))
	}
	sort.Strings(out)
	return out, nil
}

func loadFile(parser *hclparse.Parser, c *Config, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var file *hcl.File
	var diags hcl.Diagnostics
	if filepath.Ext(path) == ".json" {
		file, diags = parser.ParseJSON(src, path)
	} else {
		file, diags = parser.ParseHCL(src, path)
	}
	if diags.HasErrors() {
		return diagError(diags)
	}
	if diags := checkUnknown(file.Body, configSchemaOf(c), ""); diags.HasErrors() {
		return diagError(diags)
	}

	// Decode onto the running config so unset attributes keep their
	// values; plugins are decoded apart and merged by name, since gohcl
	// would overwrite a block list by position.
	plugins := c.Plugins
	c.Plugins = nil
	diags = gohcl.DecodeBody(file.Body, nil, c)
	c.Plugins = mergePlugins(plugins, c.Plugins)
	if diags.HasErrors() {
		return diagError(diags)
	}
	return nil
}

func mergePlugins(old, add []*PluginConfig) []*PluginConfig {
	out := append([]*PluginConfig(nil), old...)
	for _, p := range add {
		replaced := false
		for i, o := range out {
			if o.Name == p.Name {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// ConfigError is a problem in a configuration file, listing every
// diagnostic as "file:line:col: summary: detail".
type ConfigError struct {
	Diags hcl.Diagnostics
}

func (e *ConfigError) Error() string {
	var lines []string
	for _, d := range e.Diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			msg = fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg)
		}
		lines = append(lines, msg)
	}
	return strings.Join(lines, "\n")
}

func diagError(diags hcl.Diagnostics) error { return &ConfigError{Diags: diags} }

// Validate checks the merged configuration and returns every problem at
// once, each naming its key.
func (c *Config) Validate() error {
	var probs []string
	fail := func(format string, args ...interface{}) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if c.Server == nil || c.Client == nil || c.Ports == nil || c.Addresses == nil || c.Advertise == nil {
		return errors.New("config: incomplete configuration (start from DefaultConfig)")
	}
	if !c.Server.Enabled && !c.Client.Enabled {
		fail("neither server nor client is enabled: set server { enabled = true } and/or client { enabled = true }, or pass -server, -client or -dev")
	}
	if c.DataDir == "" && !c.DevMode {
		fail("data_dir is required (or -data-dir=DIR); only -dev may run without one")
	}
	if c.Region == "" || strings.Contains(c.Region, ".") {
		fail("region: %q must be non-empty and must not contain '.'", c.Region)
	}
	if c.Datacenter == "" {
		fail("datacenter must not be empty")
	}
	if c.NodeName == "" {
		fail("name must not be empty")
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		fail("log_level: %v", err)
	}
	if net.ParseIP(c.BindAddr) == nil {
		fail("bind_addr: %q is not an IP address", c.BindAddr)
	}
	for _, a := range []struct{ key, val string }{
		{"addresses.http", c.Addresses.HTTP}, {"addresses.rpc", c.Addresses.RPC}, {"addresses.serf", c.Addresses.Serf},
	} {
		if a.val != "" && net.ParseIP(a.val) == nil {
			fail("%s: %q is not an IP address", a.key, a.val)
		}
	}
	for _, a := range []struct{ key, val string }{
		{"advertise.http", c.Advertise.HTTP}, {"advertise.rpc", c.Advertise.RPC}, {"advertise.serf", c.Advertise.Serf},
	} {
		if a.val == "" {
			continue
		}
		if _, _, err := splitAdvertise(a.val, 1); err != nil {
			fail("%s: %v", a.key, err)
		}
	}
	// Port 0 lets the OS pick a free port (the banner shows which); it
	// suits tests, not servers that others must find.
	for _, p := range []struct {
		key  string
		port int
	}{{"ports.http", c.Ports.HTTP}, {"ports.rpc", c.Ports.RPC}, {"ports.serf", c.Ports.Serf}, {"ports.serf_wan", c.Ports.WANPort()}} {
		if p.port < 0 || p.port > 65535 {
			fail("%s: %d is out of range 0-65535", p.key, p.port)
		}
	}
	if p := c.Ports.DNS; p < 0 || p > 65535 {
		fail("ports.dns: %d is out of range; accepted: 0 (DNS off) or a port 1-65535", p)
	} else if p != 0 && (p == c.Ports.HTTP || p == c.Ports.RPC) {
		fail("ports.dns: %d is also ports.http or ports.rpc; DNS listens on TCP too and needs its own port", p)
	}
	if c.Ports.WANPort() == c.Ports.Serf && c.Ports.Serf != 0 {
		fail("ports.serf_wan: %d is the same as ports.serf; the LAN and WAN gossip pools need their own ports", c.Ports.Serf)
	}
	for i, o := range c.HTTPAllowedOrigins {
		if err := checkOriginSyntax(o); err != nil {
			fail("http_allowed_origins[%d]: %v", i, err)
		}
	}
	if c.Server.BootstrapExpect < 0 {
		fail("server.bootstrap_expect: %d must be 0 or more", c.Server.BootstrapExpect)
	}
	if p := c.Server.RaftProtocol; p != 0 && p != 3 {
		fail("server.raft_protocol: %d is not supported (only 3)", p)
	}
	for _, h := range c.Server.heartbeatDurations() {
		if h.val == "" {
			continue
		}
		if _, err := positiveDuration(h.val); err != nil {
			fail("%s: %v", h.key, err)
		}
	}
	if c.Server.MaxHeartbeatsPerSecond < 0 {
		fail("server.max_heartbeats_per_second: %v must be positive", c.Server.MaxHeartbeatsPerSecond)
	}
	c.Server.checkJobLimits(fail)
	if j := c.Server.ServerJoin; j != nil {
		if _, err := j.retryInterval(); err != nil {
			fail("server.server_join.retry_interval: %v", err)
		}
		if j.RetryMax < 0 {
			fail("server.server_join.retry_max: %d must be 0 (forever) or more", j.RetryMax)
		}
	}
	if c.Client.Enabled && !c.Server.Enabled && len(c.Client.Servers) == 0 {
		fail("client.servers is empty and this agent runs no server: set client { servers = [\"10.0.0.1:4647\"] } or pass -servers=HOST:PORT")
	}
	probs = append(probs, c.Client.validate()...)
	for _, p := range c.Plugins {
		if _, err := p.ConfigJSON(); err != nil {
			fail("plugin %q: config: %v", p.Name, err)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid agent configuration:\n  * %s", strings.Join(probs, "\n  * "))
}

func (j *ServerJoin) retryInterval() (time.Duration, error) {
	if j.RetryInterval == "" {
		return DefaultRetryInterval, nil
	}
	d, err := time.ParseDuration(j.RetryInterval)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want e.g. 30s or 1m)", j.RetryInterval)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", j.RetryInterval)
	}
	return d, nil
}

// parseLogLevel accepts trace, debug, info, warn and error in any case.
func parseLogLevel(s string) (hclog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE":
		return hclog.Trace, nil
	case "DEBUG":
		return hclog.Debug, nil
	case "INFO", "":
		return hclog.Info, nil
	case "WARN", "WARNING":
		return hclog.Warn, nil
	case "ERROR", "ERR":
		return hclog.Error, nil
	}
	return hclog.NoLevel, fmt.Errorf("unknown level %q (want one of TRACE, DEBUG, INFO, WARN, ERROR)", s)
}

// splitAdvertise splits "host" or "host:port" into its parts, with
// defaultPort when no port is given.
func splitAdvertise(s string, defaultPort int) (string, int, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		// No port: the whole string is the host.
		if net.ParseIP(strings.Trim(s, "[]")) == nil {
			return "", 0, fmt.Errorf("%q is not an IP address or IP:port", s)
		}
		return strings.Trim(s, "[]"), defaultPort, nil
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("%q: host %q is not an IP address", s, host)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%q: port %q is not in range 1-65535", s, portStr)
	}
	return host, port, nil
}
