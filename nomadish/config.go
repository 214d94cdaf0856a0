package nomadish

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

// Default ports. RPC and Raft share one TCP port; the LAN gossip pool uses
// Nomad's serf port and the WAN pool the port above it, because two
// memberlists cannot share a UDP/TCP port.
const (
	DefaultRPCPort     = 4647
	DefaultSerfLANPort = 4648
	DefaultSerfWANPort = 4649
)

// Config is everything a server needs to start. Build one with
// DefaultConfig and override fields; NewServer fills in what is left empty.
type Config struct {
	Region     string // default "global"
	Datacenter string // default "dc1"
	NodeName   string // default hostname; unique within the region
	// NodeID is this server's Raft ID and serf "id" tag. When empty it is
	// read from DataDir/server/node-id, or generated and written there.
	NodeID  string
	DataDir string // raft/, serf/ and server/ live under it; unused in DevMode
	// DevMode keeps Raft's log and snapshots in memory and bootstraps a
	// single server at once.
	DevMode bool
	// BootstrapExpect: 0 or 1 bootstraps this server alone; N waits until
	// the LAN pool shows N servers of this region that expect N, then
	// bootstraps with all of them. Ignored when Raft already has state.
	BootstrapExpect int

	RPCAddr      *net.TCPAddr // bind address for RPC and Raft (default 0.0.0.0:4647)
	RPCAdvertise *net.TCPAddr // address other servers dial (default RPCAddr, or a private IP when unspecified)

	// SerfLANConfig is the region's gossip pool, on
	// MemberlistConfig.BindPort (default 4648). SerfWANConfig is the
	// cross-region pool on its own memberlist port (default 4649). Port 0
	// lets the OS pick; the chosen port is advertised.
	SerfLANConfig *serf.Config
	SerfWANConfig *serf.Config

	RaftConfig *raft.Config
	// RaftTimeout bounds how long a write waits to be committed.
	RaftTimeout time.Duration
	// RPCHoldTimeout bounds how long a request waits for a leader to
	// appear before failing with structs.ErrNoLeader.
	RPCHoldTimeout time.Duration
	// AuthoritativeRegion is the region cluster-wide objects (node pools)
	// are written in and replicated from; empty: this region is its own
	// authority and replicates nothing.
	AuthoritativeRegion string
	// HTTPAdvertise is the agent's HTTP address (host:port), gossiped so
	// that agents of other regions can reach this region's nodes through
	// it; empty gossips none.
	HTTPAdvertise string
	// RegionForwardTimeout bounds a request forwarded to another region,
	// on top of the time a blocking query may be held: a region cut off
	// gets an error naming it by then (default 15s).
	RegionForwardTimeout time.Duration
	// ReconcileInterval is how often the leader reconciles Raft peers
	// with gossip membership besides reacting to gossip events.
	ReconcileInterval time.Duration
	// DeploymentWatchInterval is the least time between two passes of
	// the leader's deployment watcher, which otherwise would look at
	// every running deployment's allocations after every allocation
	// write; health changes wait at most this long. Negative: no bound
	// (tests on a fake clock).
	DeploymentWatchInterval time.Duration
	// LeaveDrainTime bounds how long Leave waits for the leader to remove
	// this server from the Raft configuration.
	LeaveDrainTime time.Duration

	StartJoin        []string // LAN addresses joined once at start
	RetryJoin        []string // LAN addresses retried until one join succeeds
	RetryInterval    time.Duration
	RetryMaxAttempts int // 0 retries forever

	Logger hclog.Logger
	Build  string // version advertised in the "build" serf tag

	// Client heartbeats. The leader hands each node a TTL of
	// max(MinHeartbeatTTL, nodes/MaxHeartbeatsPerSecond) plus a random
	// stagger up to that much again, so the total heartbeat rate stays
	// bounded as nodes grow; a node not heard from within its TTL plus
	// HeartbeatGrace is marked down. A new leader gives every node
	// FailoverHeartbeatTTL before judging it.
	MinHeartbeatTTL        time.Duration // default 10s
	MaxHeartbeatsPerSecond float64       // default 50
	HeartbeatGrace         time.Duration // default 10s
	FailoverHeartbeatTTL   time.Duration // default 300s

	// Scheduling. NumSchedulers is how many scheduler workers run on
	// this server (0 means one per CPU core, negative none);
	// EnabledSchedulers the job types they take (default all four).
	// An evaluation out with a worker longer than EvalNackTimeout is
	// redelivered; after EvalDeliveryLimit deliveries it is marked
	// failed and a follow-up evaluation runs EvalFailedFollowupDelay
	// later. A nacked evaluation is ready again after
	// EvalNackInitialDelay (first nack) or EvalNackSubsequentDelay.
	NumSchedulers           int
	EnabledSchedulers       []string
	EvalNackTimeout         time.Duration // default 60s
	EvalDeliveryLimit       int           // default 3
	EvalNackInitialDelay    time.Duration // default 1s
	EvalNackSubsequentDelay time.Duration // default 20s
	EvalFailedFollowupDelay time.Duration // default 1m

	// Job limits (structs.Limits): JobMaxGroupCount bounds one task
	// group's count and JobMaxPlacements the sum of the counts of one
	// job, so that no registration, plan or scale asks a scheduler for
	// more allocations than memory holds. 0 means the default.
	JobMaxGroupCount int // default 100,000
	JobMaxPlacements int // default 100,000

	// Test hooks.

	// SchedulerFactories replaces the builtin schedulers by job type.
	SchedulerFactories map[string]scheduler.Factory
	// EvalBrokerClock drives the eval broker's nack timeouts and delayed
	// evaluations; nil means the wall clock. It is separate from Clock so
	// that a test of another clocked duty sees only that duty's timers.
	EvalBrokerClock Clock

	// RaftTransport replaces the network Raft transport, e.g. with
	// raft.NewInmemTransport. Its LocalAddr should be the RPC advertise
	// address so that gossip and Raft agree on addresses.
	RaftTransport raft.Transport
	// BlockingJitter returns the random extra wait added to a blocking
	// query's MaxQueryTime, given the upper bound; nil means uniform.
	BlockingJitter func(max time.Duration) time.Duration
	// Clock drives scheduled leader duties (periodic launches); nil means
	// the wall clock.
	Clock Clock
	// HeartbeatStagger returns the random extra TTL handed to a node,
	// given the upper bound; nil means uniform.
	HeartbeatStagger func(max time.Duration) time.Duration
}

// DefaultConfig returns a configuration for a server in region "global",
// datacenter "dc1", on the default ports, with production timings.
func DefaultConfig() *Config {
	hostname, err := os.Hostname()
	if err != nil || hostname == "" {
		hostname = "nomadish"
	}
	c := &Config{
		Region:               structs.DefaultRegion,
		Datacenter:           "dc1",
		NodeName:             hostname,
		RPCAddr:              &net.TCPAddr{IP: net.IPv4zero, Port: DefaultRPCPort},
		SerfLANConfig:        serf.DefaultConfig(),
		SerfWANConfig:        serf.DefaultConfig(),
		RaftConfig:           raft.DefaultConfig(),
		RaftTimeout:          30 * time.Second,
		RPCHoldTimeout:       5 * time.Second,
		RegionForwardTimeout: 15 * time.Second,
		ReconcileInterval:    60 * time.Second,
		LeaveDrainTime:       5 * time.Second,

		DeploymentWatchInterval: 500 * time.Millisecond,
		RetryInterval:           30 * time.Second,
		Build:                   "0.1.0",

		MinHeartbeatTTL:        10 * time.Second,
		MaxHeartbeatsPerSecond: 50,
		HeartbeatGrace:         10 * time.Second,
		FailoverHeartbeatTTL:   300 * time.Second,

		JobMaxGroupCount: structs.DefaultMaxGroupCount,
		JobMaxPlacements: structs.DefaultMaxPlacements,
	}
	c.SerfLANConfig.MemberlistConfig = memberlist.DefaultLANConfig()
	c.SerfLANConfig.MemberlistConfig.BindPort = DefaultSerfLANPort
	c.SerfLANConfig.MemberlistConfig.AdvertisePort = DefaultSerfLANPort
	c.SerfWANConfig.MemberlistConfig = memberlist.DefaultWANConfig()
	c.SerfWANConfig.MemberlistConfig.BindPort = DefaultSerfWANPort
	c.SerfWANConfig.MemberlistConfig.AdvertisePort = DefaultSerfWANPort
	// Servers come back after restarts; keep their names reusable.
	c.SerfLANConfig.ReconnectTimeout = 3 * 24 * time.Hour
	c.SerfWANConfig.ReconnectTimeout = 3 * 24 * time.Hour
	c.RaftConfig.ShutdownOnRemove = false
	return c
}

// validate fills in defaults NewServer relies on and rejects what cannot
// work.
func (c *Config) validate() error {
	d := DefaultConfig()
	if c.Region == "" {
		c.Region = d.Region
	}
	if c.Datacenter == "" {
		c.Datacenter = d.Datacenter
	}
	if c.NodeName == "" {
		c.NodeName = d.NodeName
	}
	if strings.ContainsAny(c.Region, ".") {
		return fmt.Errorf("region %q: must not contain '.'", c.Region)
	}
	if c.RPCAddr == nil {
		c.RPCAddr = d.RPCAddr
	}
	if c.SerfLANConfig == nil {
		c.SerfLANConfig = d.SerfLANConfig
	}
	if c.SerfWANConfig == nil {
		c.SerfWANConfig = d.SerfWANConfig
	}
	if c.SerfLANConfig.MemberlistConfig == nil {
		c.SerfLANConfig.MemberlistConfig = d.SerfLANConfig.MemberlistConfig
	}
	if c.SerfWANConfig.MemberlistConfig == nil {
		c.SerfWANConfig.MemberlistConfig = d.SerfWANConfig.MemberlistConfig
	}
	if c.RaftConfig == nil {
		c.RaftConfig = d.RaftConfig
	}
	if c.RaftTimeout <= 0 {
		c.RaftTimeout = d.RaftTimeout
	}
	if c.RPCHoldTimeout <= 0 {
		c.RPCHoldTimeout = d.RPCHoldTimeout
	}
	if c.RegionForwardTimeout <= 0 {
		c.RegionForwardTimeout = d.RegionForwardTimeout
	}
	if c.ReconcileInterval <= 0 {
		c.ReconcileInterval = d.ReconcileInterval
	}
	if c.DeploymentWatchInterval == 0 {
		c.DeploymentWatchInterval = d.DeploymentWatchInterval
	}
	if c.LeaveDrainTime <= 0 {
		c.LeaveDrainTime = d.LeaveDrainTime
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = d.RetryInterval
	}
	if c.Build == "" {
		c.Build = d.Build
	}
	if c.MinHeartbeatTTL <= 0 {
		c.MinHeartbeatTTL = d.MinHeartbeatTTL
	}
	if c.MaxHeartbeatsPerSecond <= 0 {
		c.MaxHeartbeatsPerSecond = d.MaxHeartbeatsPerSecond
	}
	if c.HeartbeatGrace <= 0 {
		c.HeartbeatGrace = d.HeartbeatGrace
	}
	if c.FailoverHeartbeatTTL <= 0 {
		c.FailoverHeartbeatTTL = d.FailoverHeartbeatTTL
	}
	if c.EvalNackTimeout <= 0 {
		c.EvalNackTimeout = defaultNackTimeout
	}
	if c.EvalDeliveryLimit <= 0 {
		c.EvalDeliveryLimit = defaultDeliveryLimit
	}
	if c.EvalNackInitialDelay <= 0 {
		c.EvalNackInitialDelay = defaultInitialNackDelay
	}
	if c.EvalNackSubsequentDelay <= 0 {
		c.EvalNackSubsequentDelay = defaultSubsequentNackDelay
	}
	if c.EvalFailedFollowupDelay <= 0 {
		c.EvalFailedFollowupDelay = defaultFailedFollowupDelay
	}
	if c.JobMaxGroupCount < 0 || c.JobMaxPlacements < 0 {
		return fmt.Errorf("job_max_group_count %d, job_max_placements %d: must be 0 (the default) or more", c.JobMaxGroupCount, c.JobMaxPlacements)
	}
	if c.Logger == nil {
		c.Logger = hclog.New(&hclog.LoggerOptions{Name: "nomadish", Level: hclog.Info})
	}
	if !c.DevMode && c.DataDir == "" {
		return errors.New("data dir: required unless dev mode")
	}
	if c.BootstrapExpect < 0 {
		return fmt.Errorf("bootstrap_expect %d: must be 0 or more", c.BootstrapExpect)
	}
	return nil
}

// nodeIDFile is where a server's ID survives restarts.
const nodeIDFile = "server/node-id"

// ensureNodeID sets c.NodeID from the data dir, generating and persisting a
// new one on first start. In dev mode the ID is random and not persisted.
func (c *Config) ensureNodeID() error {
	if c.NodeID != "" {
		return nil
	}
	if c.DevMode || c.DataDir == "" {
		c.NodeID = generateUUID()
		return nil
	}
	path := filepath.Join(c.DataDir, nodeIDFile)
	buf, err := os.ReadFile(path)
	switch {
	case err == nil:
		id := strings.TrimSpace(string(buf))
		if !validUUID(id) {
			return fmt.Errorf("node id in %s: %q is not a UUID", path, id)
		}
		c.NodeID = id
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read node id: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create node id dir: %w", err)
	}
	id := generateUUID()
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return fmt.Errorf("write node id: %w", err)
	}
	c.NodeID = id
	return nil
}

func generateUUID() string { return uuid.NewString() }

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// jobLimits is what the job endpoints validate jobs against.
func (c *Config) jobLimits() structs.Limits {
	l := structs.DefaultLimits()
	if c.JobMaxGroupCount > 0 {
		l.MaxGroupCount = c.JobMaxGroupCount
	}
	if c.JobMaxPlacements > 0 {
		l.MaxPlacements = c.JobMaxPlacements
	}
	return l
}
