package client

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Defaults for the Config fields left zero.
const (
	DefaultGCMaxAllocs          = 50
	DefaultGCDiskUsageThreshold = 80.0 // percent
	DefaultGCInterval           = time.Minute
	DefaultUpdateInterval       = 200 * time.Millisecond
	DefaultMaxQueryTime         = 5 * time.Minute
	DefaultRPCTimeout           = 30 * time.Second
	DefaultRetryBackoff         = time.Second
	DefaultMaxRetryBackoff      = 30 * time.Second
	DefaultFingerprintTimeout   = 5 * time.Second
)

// Clock is the client's time source: heartbeats, retries, the batching of
// allocation updates, garbage collection and RPC timeouts. Tests inject a
// fake they advance by hand.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Config holds the client's settings and dependencies.
type Config struct {
	// DataDir holds the node identity and local state (DataDir/client),
	// the allocation directories (DataDir/alloc) and the plugins' own
	// directories and reattach configs (DataDir/plugins).
	DataDir string
	// StateDir and AllocDir move the node identity and local state, and
	// the allocation directories, elsewhere (default DataDir/client and
	// DataDir/alloc). The disk the scheduler counts on is AllocDir's.
	StateDir string
	AllocDir string
	// Servers are the RPC addresses (host:port) of servers to register
	// with. The servers a registration answers with are used as well.
	Servers []string

	Region     string
	Datacenter string // default "dc1"
	NodeName   string // default the host name
	NodeClass  string
	NodePool   string // default "default"
	Meta       map[string]string
	// HTTPAddr is the agent's advertised HTTP address, set as
	// Node.HTTPAddr so that servers and other agents can reach this
	// client's file system and stats endpoints.
	HTTPAddr string

	// Drivers are the task drivers to run, one plugin each.
	Drivers []string
	// DriverConfigs are the drivers' plugin configs as JSON objects, by
	// driver name, handed to each plugin with SetConfig.
	DriverConfigs map[string][]byte
	// PluginBinary is the nomadish binary plugins and log collectors are
	// run from; empty is this process's own executable.
	PluginBinary string
	// PluginHealthInterval is the time between two health checks of the
	// driver plugins; a plugin found dead is relaunched and its tasks
	// recovered or, where they cannot be, restarted under their restart
	// policy (default pluginmanager.DefaultHealthInterval, 10s).
	PluginHealthInterval time.Duration

	HostVolumes map[string]*structs.ClientHostVolumeConfig

	// GCMaxAllocs is how many allocations the client keeps before it
	// destroys terminal ones, oldest first (default 50).
	GCMaxAllocs int
	// GCDiskUsageThreshold is the percentage of the allocation
	// directory's file system above which terminal allocations are
	// destroyed, oldest first (default 80).
	GCDiskUsageThreshold float64
	// GCInterval is the time between two garbage collections (default 1m).
	GCInterval time.Duration

	// DestroyOnShutdown makes Shutdown kill every task, its log process
	// and the driver plugins instead of leaving them running for the next
	// agent: for `agent -dev`, whose data dir does not outlive it.
	DestroyOnShutdown bool

	// ArtifactFileRoots are host directories artifacts with a file source
	// may be read from besides the allocation directory.
	ArtifactFileRoots []string

	// Reserved is what of the host the scheduler must leave alone
	// (Node.ReservedResources).
	Reserved *structs.NodeReservedResources

	// NetworkInterface, CpuTotalCompute, Version and Revision are handed
	// to the fingerprinters (see fingerprint.Request).
	NetworkInterface string
	CpuTotalCompute  int64
	Version          string
	Revision         string

	// UpdateInterval is how long allocation updates are gathered before
	// they are sent in one Node.UpdateAlloc (default 200ms).
	UpdateInterval time.Duration
	// MaxQueryTime bounds each blocking query of the node's allocations
	// (default 5m).
	MaxQueryTime time.Duration
	// RPCTimeout bounds an RPC that is not a blocking query (default 30s).
	RPCTimeout time.Duration
	// RetryBackoff is the wait after a failed registration, heartbeat or
	// query, doubled on each further failure up to MaxRetryBackoff
	// (defaults 1s and 30s).
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// FingerprintTimeout bounds the wait for each driver's first
	// fingerprint before the node registers (default 5s).
	FingerprintTimeout time.Duration

	Logger hclog.Logger
	// Clock is nil for the real clock.
	Clock Clock

	// Test hooks: disableLogmon is for tests that must not start log
	// collectors; newRunner, when set, makes the alloc runners; diskUsage,
	// when set, measures the data dir's file system.
	disableLogmon bool
	newRunner     func(cfg *allocrunner.Config) (allocRunner, error)
	diskUsage     func(path string) (float64, error)
}

// withDefaults returns a copy of c with the zero fields defaulted, or an
// error saying which required field is missing.
func (c *Config) withDefaults() (*Config, error) {
	if c == nil {
		return nil, errors.New("client: config is nil")
	}
	out := *c
	if out.DataDir == "" {
		return nil, errors.New("client: data_dir is required")
	}
	// Plugins, log collectors and tasks are handed paths under it: they
	// must not depend on this process's working directory.
	abs, err := filepath.Abs(out.DataDir)
	if err != nil {
		return nil, fmt.Errorf("client: data_dir %q: %w", out.DataDir, err)
	}
	out.DataDir = abs
	for _, d := range []struct {
		key  string
		path *string
		def  string
	}{{"state_dir", &out.StateDir, "client"}, {"alloc_dir", &out.AllocDir, "alloc"}} {
		if *d.path == "" {
			*d.path = filepath.Join(out.DataDir, d.def)
			continue
		}
		abs, err := filepath.Abs(*d.path)
		if err != nil {
			return nil, fmt.Errorf("client: %s %q: %w", d.key, *d.path, err)
		}
		*d.path = abs
	}
	if len(out.Servers) == 0 {
		return nil, errors.New("client: at least one server address is required (client { servers = [\"host:4647\"] })")
	}
	if out.Datacenter == "" {
		out.Datacenter = "dc1"
	}
	if out.NodePool == "" {
		out.NodePool = structs.DefaultNodePool
	}
	if out.GCMaxAllocs <= 0 {
		out.GCMaxAllocs = DefaultGCMaxAllocs
	}
	if out.GCDiskUsageThreshold <= 0 {
		out.GCDiskUsageThreshold = DefaultGCDiskUsageThreshold
	}
	if out.GCInterval <= 0 {
		out.GCInterval = DefaultGCInterval
	}
	if out.UpdateInterval <= 0 {
		out.UpdateInterval = DefaultUpdateInterval
	}
	if out.MaxQueryTime <= 0 {
		out.MaxQueryTime = DefaultMaxQueryTime
	}
	if out.RPCTimeout <= 0 {
		out.RPCTimeout = DefaultRPCTimeout
	}
	if out.RetryBackoff <= 0 {
		out.RetryBackoff = DefaultRetryBackoff
	}
	if out.MaxRetryBackoff < out.RetryBackoff {
		out.MaxRetryBackoff = max(DefaultMaxRetryBackoff, out.RetryBackoff)
	}
	if out.FingerprintTimeout <= 0 {
		out.FingerprintTimeout = DefaultFingerprintTimeout
	}
	if out.Logger == nil {
		out.Logger = hclog.NewNullLogger()
	}
	if out.Clock == nil {
		out.Clock = wallClock{}
	}
	return &out, nil
}

// backoff is the wait after the n-th failure in a row: base, doubling each
// time, never more than ceiling.
func backoff(n int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < n; i++ {
		d *= 2
		if d >= ceiling {
			return ceiling
		}
	}
	return min(d, ceiling)
}
