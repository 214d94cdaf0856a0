package nomadish

import (
	"sort"
	"time"

	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// bootstrapRetry is how often an unfinished bootstrap_expect check runs
// again besides on every LAN join, in case a peer's RPC was not up yet.
const bootstrapRetry = 2 * time.Second

// bootstrapLoop waits until the LAN pool holds BootstrapExpect servers of
// our region and then bootstraps Raft with all of them. It ends once this
// server has Raft state, its own or learnt from a peer.
func (s *Server) bootstrapLoop() {
	defer s.wg.Done()
	retry := time.NewTicker(bootstrapRetry)
	defer retry.Stop()
	for !s.bootstrapped.Load() {
		select {
		case <-s.bootstrapCh:
		case <-retry.C:
		case <-s.shutdownCh:
			return
		}
		s.maybeBootstrap()
	}
}

// maybeBootstrap bootstraps when the expected servers are all present and
// none of them already belongs to a Raft cluster.
func (s *Server) maybeBootstrap() {
	expect := s.config.BootstrapExpect
	var servers []serverParts
	for _, m := range s.serfLAN.Members() {
		p, ok := isServer(m)
		if ok && p.Region == s.config.Region && m.Status == serf.StatusAlive {
			servers = append(servers, p)
		}
	}

	// A peer that already has a Raft configuration means the cluster
	// exists; its leader will add us.
	for _, p := range servers {
		if p.ID == s.config.NodeID {
			continue
		}
		var peers []string
		req := &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: s.config.Region, AllowStale: true}}
		if err := s.connPool.RPC(p.RPCAddr.String(), "Status.Peers", req, &peers); err != nil {
			s.logger.Warn("asking peer for raft peers failed; will retry", "member", p.Name, "error", err)
			return
		}
		if len(peers) > 0 {
			s.logger.Info("joining existing raft cluster instead of bootstrapping", "member", p.Name, "peers", peers)
			s.bootstrapped.Store(true)
			return
		}
	}

	for _, p := range servers {
		if p.Bootstrap || (p.Expect != 0 && p.Expect != expect) {
			s.logger.Error("peer's bootstrap_expect differs from ours; not bootstrapping", "member", p.Name, "their_expect", p.Expect, "their_bootstrap", p.Bootstrap, "our_expect", expect)
			return
		}
	}
	if len(servers) < expect {
		return
	}

	sort.Slice(servers, func(i, j int) bool { return servers[i].ID < servers[j].ID })
	var cfg raft.Configuration
	for _, p := range servers {
		cfg.Servers = append(cfg.Servers, raft.Server{
			Suffrage: raft.Voter,
			ID:       raft.ServerID(p.ID),
			Address:  raft.ServerAddress(p.RPCAddr.String()),
		})
	}
	s.logger.Info("bootstrapping raft cluster", "servers", len(cfg.Servers))
	if err := s.raft.BootstrapCluster(cfg).Error(); err != nil && err != raft.ErrCantBootstrap {
		s.logger.Error("raft bootstrap failed", "error", err)
		return
	}
	s.bootstrapped.Store(true)
}
