package agent

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// serverConfig translates the agent configuration into the server's:
// RPC bind and advertise addresses, the LAN and WAN gossip ports, data
// directory, bootstrap and join settings.
func (c *Config) serverConfig(logger hclog.Logger) (*nomadish.Config, error) {
	sc := nomadish.DefaultConfig()
	sc.Region = c.Region
	sc.Datacenter = c.Datacenter
	sc.NodeName = c.NodeName
	sc.DataDir = c.DataDir
	// -dev keeps Raft in memory unless a data dir was asked for.
	sc.DevMode = c.DevMode && c.DataDir == ""
	sc.BootstrapExpect = c.Server.BootstrapExpect
	if c.DevMode && sc.BootstrapExpect == 0 {
		sc.BootstrapExpect = 1
	}
	sc.Logger = logger

	rpcIP := net.ParseIP(orDefault(c.Addresses.RPC, c.BindAddr))
	if rpcIP == nil {
		return nil, fmt.Errorf("rpc bind address %q is not an IP", orDefault(c.Addresses.RPC, c.BindAddr))
	}
	sc.RPCAddr = &net.TCPAddr{IP: rpcIP, Port: c.Ports.RPC}
	if c.Advertise.RPC != "" {
		host, port, err := splitAdvertise(c.Advertise.RPC, c.Ports.RPC)
		if err != nil {
			return nil, fmt.Errorf("advertise.rpc: %w", err)
		}
		sc.RPCAdvertise = &net.TCPAddr{IP: net.ParseIP(host), Port: port}
	}

	serfBind := orDefault(c.Addresses.Serf, c.BindAddr)
	lan := sc.SerfLANConfig.MemberlistConfig
	lan.BindAddr, lan.BindPort, lan.AdvertisePort = serfBind, c.Ports.Serf, c.Ports.Serf
	wan := sc.SerfWANConfig.MemberlistConfig
	wan.BindAddr, wan.BindPort, wan.AdvertisePort = serfBind, c.Ports.WANPort(), c.Ports.WANPort()
	if c.Advertise.Serf != "" {
		host, port, err := splitAdvertise(c.Advertise.Serf, c.Ports.Serf)
		if err != nil {
			return nil, fmt.Errorf("advertise.serf: %w", err)
		}
		lan.AdvertiseAddr, lan.AdvertisePort = host, port
		wan.AdvertiseAddr = host
	}

	for _, h := range c.Server.heartbeatDurations() {
		if h.val == "" {
			continue
		}
		d, err := positiveDuration(h.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.key, err)
		}
		*h.out(sc) = d
	}
	if c.Server.MaxHeartbeatsPerSecond > 0 {
		sc.MaxHeartbeatsPerSecond = c.Server.MaxHeartbeatsPerSecond
	}
	if c.Server.JobMaxGroupCount > 0 {
		sc.JobMaxGroupCount = c.Server.JobMaxGroupCount
	}
	if c.Server.JobMaxPlacements > 0 {
		sc.JobMaxPlacements = c.Server.JobMaxPlacements
	}
	sc.AuthoritativeRegion = c.Server.AuthoritativeRegion
	if j := c.Server.ServerJoin; j != nil {
		sc.StartJoin = j.StartJoin
		sc.RetryJoin = j.RetryJoin
		d, err := j.retryInterval()
		if err != nil {
			return nil, fmt.Errorf("server.server_join.retry_interval: %w", err)
		}
		sc.RetryInterval = d
		sc.RetryMaxAttempts = j.RetryMax
	}
	return sc, nil
}

// heartbeatDurations lists the server's heartbeat durations by key.
func (s *ServerConfig) heartbeatDurations() []struct {
	key string
	val string
	out func(*nomadish.Config) *time.Duration
} {
	return []struct {
		key string
		val string
		out func(*nomadish.Config) *time.Duration
	}{
		{"server.min_heartbeat_ttl", s.MinHeartbeatTTL, func(c *nomadish.Config) *time.Duration { return &c.MinHeartbeatTTL }},
		{"server.heartbeat_grace", s.HeartbeatGrace, func(c *nomadish.Config) *time.Duration { return &c.HeartbeatGrace }},
		{"server.failover_heartbeat_ttl", s.FailoverHeartbeatTTL, func(c *nomadish.Config) *time.Duration { return &c.FailoverHeartbeatTTL }},
	}
}

// checkJobLimits reports job limits that are negative, or a placement
// bound below the group count bound, which no group could then reach.
func (s *ServerConfig) checkJobLimits(fail func(format string, args ...interface{})) {
	if s.JobMaxGroupCount < 0 {
		fail("server.job_max_group_count: %d must be 0 (the default, %d) or more", s.JobMaxGroupCount, structs.DefaultMaxGroupCount)
	}
	if r := s.AuthoritativeRegion; r != "" && (strings.TrimSpace(r) != r || strings.ContainsAny(r, " \t/")) {
		fail("server.authoritative_region: %q is not a region name", r)
	}
	if s.JobMaxPlacements < 0 {
		fail("server.job_max_placements: %d must be 0 (the default, %d) or more", s.JobMaxPlacements, structs.DefaultMaxPlacements)
	}
	count, placements := orDefaultInt(s.JobMaxGroupCount, structs.DefaultMaxGroupCount), orDefaultInt(s.JobMaxPlacements, structs.DefaultMaxPlacements)
	if s.JobMaxGroupCount >= 0 && s.JobMaxPlacements >= 0 && placements < count {
		fail("server.job_max_placements: %d is below server.job_max_group_count (%d); it must be at least as large", placements, count)
	}
}

func orDefaultInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
