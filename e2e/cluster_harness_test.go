//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// cluster is a set of server agents of one region that retry-join each
// other over serf.
type cluster struct {
	t       testing.TB
	servers []*agentProc
}

// startCluster starts n servers with bootstrap_expect = n, each told to
// retry-join the serf addresses of all the others.
func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	return startClusterWith(t, n, serverOpts{})
}

// startClusterWith is startCluster with the other settings of base given
// to every server.
func startClusterWith(t testing.TB, n int, base serverOpts) *cluster {
	t.Helper()
	ports := make([]agentPorts, n)
	for i := range ports {
		ports[i] = newAgentPorts(t)
	}
	c := &cluster{t: t}
	for i := range n {
		var join []string
		for j := range n {
			if j != i {
				join = append(join, fmt.Sprintf("127.0.0.1:%d", ports[j].Serf))
			}
		}
		opts := base
		opts.BootstrapExpect, opts.RetryJoin, opts.Ports = n, join, ports[i]
		c.servers = append(c.servers, startServer(t, fmt.Sprintf("s%d", i), i, opts))
	}
	// Runs before the servers' own cleanups (last registered, first run):
	// stopping them one by one would wait out each graceful leave in turn.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, s := range c.servers {
			wg.Add(1)
			go func() { defer wg.Done(); s.stop() }()
		}
		wg.Wait()
	})
	return c
}

// byRPCAddr returns the server whose RPC port is the port of addr
// ("host:port", as /v1/status/leader reports it), or nil.
func (c *cluster) byRPCAddr(addr string) *agentProc {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	for _, s := range c.servers {
		if fmt.Sprint(s.ports.RPC) == port {
			return s
		}
	}
	return nil
}

// stableView checks that every server in among agrees on one leader that is
// itself in among, and that each one's Raft configuration (read locally,
// with stale) has want voters with exactly one leader. It returns that
// leader, or nil and what it saw instead.
func (c *cluster) stableView(among []*agentProc, want int) (*agentProc, string) {
	var seen []string
	leaderAddr := ""
	for _, s := range among {
		cl := s.client(2 * time.Second)
		l, err := cl.Status().Leader()
		if err != nil {
			return nil, fmt.Sprintf("%s: leader: %v", s.name, err)
		}
		if l == "" {
			return nil, fmt.Sprintf("%s knows no leader yet", s.name)
		}
		if leaderAddr == "" {
			leaderAddr = l
		} else if l != leaderAddr {
			return nil, fmt.Sprintf("servers disagree on the leader: %s says %s, earlier ones said %s", s.name, l, leaderAddr)
		}
		peers, err := cl.Status().Peers()
		if err != nil {
			return nil, fmt.Sprintf("%s: peers: %v", s.name, err)
		}
		if len(peers) != want {
			return nil, fmt.Sprintf("%s has %d raft peers %v, want %d", s.name, len(peers), peers, want)
		}
		rc, err := cl.Operator().RaftGetConfiguration(&api.QueryOptions{AllowStale: true})
		if err != nil {
			return nil, fmt.Sprintf("%s: raft configuration: %v", s.name, err)
		}
		if msg := checkRaftConfig(rc, want); msg != "" {
			return nil, fmt.Sprintf("%s: %s", s.name, msg)
		}
		seen = append(seen, s.name)
	}
	leader := c.byRPCAddr(leaderAddr)
	if leader == nil {
		return nil, fmt.Sprintf("leader %s is none of the servers", leaderAddr)
	}
	found := false
	for _, s := range among {
		found = found || s == leader
	}
	if !found {
		return nil, fmt.Sprintf("leader %s (%s) is not among %v", leaderAddr, leader.name, names(among))
	}
	return leader, fmt.Sprintf("%v agree on leader %s (%s) with %d peers", seen, leader.name, leaderAddr, want)
}

func checkRaftConfig(rc *api.RaftConfiguration, want int) string {
	voters, leaders := 0, 0
	var desc []string
	for _, s := range rc.Servers {
		if s.Voter {
			voters++
		}
		if s.Leader {
			leaders++
		}
		desc = append(desc, fmt.Sprintf("%s@%s(voter=%v,leader=%v)", s.Node, s.Address, s.Voter, s.Leader))
	}
	sort.Strings(desc)
	if len(rc.Servers) != want || voters != want || leaders != 1 {
		return fmt.Sprintf("raft configuration has %d servers, %d voters, %d leaders, want %d/%d/1: %s",
			len(rc.Servers), voters, leaders, want, want, strings.Join(desc, " "))
	}
	return ""
}

// waitStable waits until among agree on a leader and want peers.
func (c *cluster) waitStable(among []*agentProc, want int, timeout time.Duration) (*agentProc, time.Duration) {
	c.t.Helper()
	var leader *agentProc
	took := waitFor(c.t, timeout, 200*time.Millisecond, func() (bool, string) {
		for _, s := range among {
			if !s.running() {
				return false, fmt.Sprintf("%s is not running: %v", s.name, s.exitError())
			}
		}
		var msg string
		leader, msg = c.stableView(among, want)
		return leader != nil, msg
	})
	return leader, took
}

func names(as []*agentProc) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.name
	}
	return out
}

// without returns servers minus drop.
func without(servers []*agentProc, drop *agentProc) []*agentProc {
	var out []*agentProc
	for _, s := range servers {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
