// Package cluster runs a nomadish cluster for the chaos suite: N server
// agents and M client agents as real `nomadish agent` processes, each on
// its own loopback address (127.0.0.10+i for servers, 127.0.0.50+j for
// clients) with its own data dir, and the faults the nemesis injects into
// it: kill -9, SIGSTOP/SIGCONT, restart with or without the data dir, and
// network partitions between servers.
//
// Everything it starts it tracks by PID and ends in Close, which the
// suite registers as a test cleanup so that it runs however the test
// ends; the partitions' iptables chain and cgroups go with it. It holds
// no test logic: what a run checks lives in the suite and the checker.
package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nomadish/nomadish/api"
)

// ErrUnsupported wraps every reason the harness cannot run on this
// machine (not root, no iptables, no cgroup v2): a test skips on it.
var ErrUnsupported = errUnsupported

// Config describes the cluster.
type Config struct {
	Bin     string // the nomadish binary
	Dir     string // where each agent's directory is made
	Servers int    // 3 or 5
	Clients int
	// Run names this cluster's iptables chain and cgroups, so that two
	// runs on one machine do not share them (a few letters or digits).
	Run string
	// Client heartbeat TTL and grace the servers hand out (defaults 2s
	// and 2s): short, so that a client paused for a few seconds is
	// marked down within the schedule.
	HeartbeatTTL, HeartbeatGrace time.Duration
	// FailoverHeartbeatTTL is the TTL a new leader gives every node
	// before it has heard from it (0: the server's default, 5m).
	FailoverHeartbeatTTL time.Duration
}

// Cluster is the running cluster.
type Cluster struct {
	cfg     Config
	fw      *firewall
	Servers []*Agent
	Clients []*Agent

	closeOnce sync.Once
}

// Preflight reports why the harness cannot run here, or nil.
func Preflight() error { return preflight() }

// Start makes the firewall chain and starts every agent; on error what
// was started is stopped again.
func Start(cfg Config) (*Cluster, error) {
	if cfg.Servers < 1 || cfg.Servers > 30 || cfg.Clients < 0 || cfg.Clients > 30 {
		return nil, fmt.Errorf("cluster of %d servers and %d clients: want 1-30 of each", cfg.Servers, cfg.Clients)
	}
	if cfg.HeartbeatTTL == 0 {
		cfg.HeartbeatTTL = 2 * time.Second
	}
	if cfg.HeartbeatGrace == 0 {
		cfg.HeartbeatGrace = 2 * time.Second
	}
	if err := preflight(); err != nil {
		return nil, err
	}
	fw, err := newFirewall(cfg.Run)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, fw: fw}
	for i := range cfg.Servers {
		c.Servers = append(c.Servers, c.newAgent(fmt.Sprintf("s%d", i), fmt.Sprintf("127.0.0.%d", 10+i), true))
	}
	for j := range cfg.Clients {
		c.Clients = append(c.Clients, c.newAgent(fmt.Sprintf("c%d", j), fmt.Sprintf("127.0.0.%d", 50+j), false))
	}
	for _, a := range c.All() {
		if err := os.MkdirAll(a.dir, 0o755); err != nil {
			c.Close()
			return nil, fmt.Errorf("make dir of %s: %w", a.Name, err)
		}
		if err := a.writeConfig(); err != nil {
			c.Close()
			return nil, fmt.Errorf("write config of %s: %w", a.Name, err)
		}
	}
	// Servers start together: each waits for bootstrap_expect peers.
	errs := make([]error, len(c.Servers))
	var wg sync.WaitGroup
	for i, s := range c.Servers {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Start() }()
	}
	wg.Wait()
	for _, a := range c.Clients {
		errs = append(errs, a.Start())
	}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) newAgent(name, ip string, server bool) *Agent {
	dir := filepath.Join(c.cfg.Dir, name)
	return &Agent{Name: name, IP: ip, Server: server, c: c, dir: dir,
		config: filepath.Join(dir, "agent.hcl"), log: filepath.Join(dir, name+".log")}
}

// All is every agent, servers first.
func (c *Cluster) All() []*Agent { return append(append([]*Agent(nil), c.Servers...), c.Clients...) }

// Close stops every agent (by PID, with what each left behind) and
// removes the partitions' chain and cgroups. Safe to call more than once.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, a := range c.All() {
			wg.Add(1)
			go func() { defer wg.Done(); a.stop() }()
		}
		wg.Wait()
		if c.fw != nil {
			c.fw.close()
		}
	})
}

// Partition cuts every server of one group from every server of the
// other (both ways); servers within a group still reach each other.
func (c *Cluster) Partition(a, b []*Agent) error {
	for _, x := range a {
		for _, y := range b {
			if err := c.fw.partition(x, y); err != nil {
				return err
			}
		}
	}
	return nil
}

// HealPartition removes the cuts Partition(a, b) made.
func (c *Cluster) HealPartition(a, b []*Agent) error {
	var errs []error
	for _, x := range a {
		for _, y := range b {
			errs = append(errs, c.fw.heal(x, y))
		}
	}
	return errors.Join(errs...)
}

// HealAll removes every partition, resumes every paused agent and
// starts every agent that is not running (with its data dir as it is).
func (c *Cluster) HealAll() error {
	errs := []error{c.fw.healAll()}
	for _, a := range c.All() {
		if a.Paused() {
			errs = append(errs, a.Resume())
		}
	}
	for _, a := range c.All() {
		if !a.Running() {
			errs = append(errs, a.Start())
		}
	}
	return errors.Join(errs...)
}

// ByRPCAddr returns the server whose RPC address is addr, or nil.
func (c *Cluster) ByRPCAddr(addr string) *Agent {
	for _, s := range c.Servers {
		if s.RPCAddr() == addr {
			return s
		}
	}
	return nil
}

// Leader asks the running, unpaused servers who leads and returns the
// server most of them name, or nil when none names one.
func (c *Cluster) Leader() *Agent {
	votes := map[string]int{}
	for _, s := range c.Servers {
		if !s.Running() || s.Paused() {
			continue
		}
		l, err := s.Client(time.Second).Status().Leader()
		if err == nil && l != "" {
			votes[l]++
		}
	}
	best, n := "", 0
	for addr, v := range votes {
		if v > n || (v == n && addr < best) {
			best, n = addr, v
		}
	}
	return c.ByRPCAddr(best)
}

// RaftStats is what one server reports of its Raft state.
type RaftStats struct {
	AppliedIndex, CommitIndex, LastLogIndex uint64
	State                                   string
}

// Raft reads a server's Raft figures from /v1/agent/self, answered
// locally whatever the cluster's state.
func (a *Agent) Raft() (RaftStats, error) {
	self, err := a.Client(2 * time.Second).Agent().Self()
	if err != nil {
		return RaftStats{}, fmt.Errorf("agent self of %s: %w", a.Name, err)
	}
	r := self.Stats["raft"]
	if r == nil {
		return RaftStats{}, fmt.Errorf("agent self of %s has no raft stats", a.Name)
	}
	get := func(k string) uint64 { v, _ := strconv.ParseUint(r[k], 10, 64); return v }
	return RaftStats{AppliedIndex: get("applied_index"), CommitIndex: get("commit_index"),
		LastLogIndex: get("last_log_index"), State: r["state"]}, nil
}

// Healthy reports whether every server is up, agrees on one leader, has
// a Raft configuration of exactly the cluster's servers (by address, one
// voter each) and has applied what the leader has committed; and whether
// every client's node is ready. The message says what is missing.
func (c *Cluster) Healthy() (bool, string) {
	leaderAddr := ""
	for _, s := range c.Servers {
		if !s.Running() || s.Paused() {
			return false, s.Name + " is not running"
		}
		l, err := s.Client(2 * time.Second).Status().Leader()
		if err != nil {
			return false, fmt.Sprintf("%s: leader: %v", s.Name, err)
		}
		if l == "" {
			return false, s.Name + " knows no leader"
		}
		if leaderAddr == "" {
			leaderAddr = l
		} else if l != leaderAddr {
			return false, fmt.Sprintf("servers disagree on the leader: %s says %s, another %s", s.Name, l, leaderAddr)
		}
	}
	leader := c.ByRPCAddr(leaderAddr)
	if leader == nil {
		return false, fmt.Sprintf("leader %s is none of the servers", leaderAddr)
	}
	rc, err := leader.Client(2 * time.Second).Operator().RaftGetConfiguration(&api.QueryOptions{AllowStale: true})
	if err != nil {
		return false, fmt.Sprintf("raft configuration from %s: %v", leader.Name, err)
	}
	var addrs, want []string
	for _, srv := range rc.Servers {
		if !srv.Voter {
			return false, fmt.Sprintf("raft peer %s (%s) is not a voter", srv.Node, srv.Address)
		}
		addrs = append(addrs, srv.Address)
	}
	for _, s := range c.Servers {
		want = append(want, s.RPCAddr())
	}
	sort.Strings(addrs)
	sort.Strings(want)
	if strings.Join(addrs, ",") != strings.Join(want, ",") {
		return false, fmt.Sprintf("raft configuration has peers %v, want %v", addrs, want)
	}
	lr, err := leader.Raft()
	if err != nil {
		return false, err.Error()
	}
	for _, s := range c.Servers {
		r, err := s.Raft()
		if err != nil {
			return false, err.Error()
		}
		if r.AppliedIndex < lr.CommitIndex {
			return false, fmt.Sprintf("%s has applied index %d, the leader %s committed %d", s.Name, r.AppliedIndex, leader.Name, lr.CommitIndex)
		}
	}
	if len(c.Clients) > 0 {
		nodes, _, err := leader.Client(2 * time.Second).Nodes().List(nil)
		if err != nil {
			return false, fmt.Sprintf("nodes from %s: %v", leader.Name, err)
		}
		ready := map[string]bool{}
		for _, n := range nodes {
			if n.Status == "ready" {
				ready[n.Name] = true
			}
		}
		for _, cl := range c.Clients {
			if !ready[cl.Name] {
				return false, fmt.Sprintf("client %s's node is not ready", cl.Name)
			}
		}
	}
	return true, fmt.Sprintf("leader %s, %d servers caught up to %d", leader.Name, len(c.Servers), lr.CommitIndex)
}

// WaitHealthy polls Healthy every 250ms until it holds or timeout passes.
func (c *Cluster) WaitHealthy(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		ok, msg := c.Healthy()
		if ok {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("cluster not healthy after %s: %s", timeout, msg)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ServerRPCAddrs are the servers' RPC addresses.
func (c *Cluster) ServerRPCAddrs() []string {
	var out []string
	for _, s := range c.Servers {
		out = append(out, s.RPCAddr())
	}
	return out
}
