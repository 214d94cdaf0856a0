package nomadish

import (
	"sync"
	"time"

	metrics "github.com/hashicorp/go-metrics"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
)

// monitorLeadership starts the leader loop when Raft makes this server
// leader and stops it when leadership is lost.
func (s *Server) monitorLeadership() {
	defer s.wg.Done()
	var stopCh chan struct{}
	var loop sync.WaitGroup
	stop := func() {
		if stopCh != nil {
			close(stopCh)
			loop.Wait()
			stopCh = nil
		}
	}
	for {
		select {
		case isLeader := <-s.leaderCh:
			if isLeader {
				if stopCh != nil {
					continue
				}
				s.logger.Info("cluster leadership acquired")
				stopCh = make(chan struct{})
				loop.Add(1)
				go func(ch chan struct{}) {
					defer loop.Done()
					s.leaderLoop(ch)
				}(stopCh)
			} else if stopCh != nil {
				s.logger.Info("cluster leadership lost")
				stop()
			}
		case <-s.shutdownCh:
			stop()
			return
		}
	}
}

// leaderLoop runs the leader's duties until stopCh closes: reconcile Raft
// peers with gossip at once, on every LAN event and every
// ReconcileInterval.
func (s *Server) leaderLoop(stopCh chan struct{}) {
	defer metrics.MeasureSince([]string{"nomad", "leader", "tenure"}, time.Now())
	interval := time.NewTicker(s.config.ReconcileInterval)
	defer interval.Stop()

	established := false
	defer s.setLeaderReady(false)
	for {
		// Make sure the FSM has applied everything before acting on it.
		if err := s.raft.Barrier(s.config.RaftTimeout).Error(); err != nil {
			s.logger.Error("leader barrier failed", "error", err)
		} else {
			if !established {
				s.setLeaderReady(true)
				s.establishLeadership(stopCh)
				established = true
			}
			s.reconcile()
		}

	wait:
		select {
		case <-stopCh:
			if established {
				s.revokeLeadership()
			}
			return
		case <-s.shutdownCh:
			return
		case <-interval.C:
		case ev := <-s.reconcileCh:
			s.reconcileMember(ev.member, ev.reaped)
			goto wait
		}
	}
}

// establishLeadership starts duties that only the leader performs.
//
// Leader duties added by other files (eval broker, plan applier, heartbeat
// timers, deployment watcher) are started here.
func (s *Server) establishLeadership(stopCh chan struct{}) {
	s.periodic.SetEnabled(true)
	s.startScheduling(stopCh)
	s.startNodeLifecycle(stopCh)
	s.deployments.start(stopCh)
	s.multiregion.start(stopCh)
	s.startReplication(stopCh)
}

// revokeLeadership stops what establishLeadership started.
func (s *Server) revokeLeadership() {
	s.periodic.SetEnabled(false)
	s.stopScheduling()
	s.stopNodeLifecycle()
	s.deployments.stop()
	s.multiregion.stop()
}

// reconcile brings Raft's peers in line with the whole LAN pool.
func (s *Server) reconcile() {
	defer metrics.MeasureSince([]string{"nomad", "leader", "reconcile"}, time.Now())
	for _, m := range s.serfLAN.Members() {
		s.reconcileMember(m, false)
	}
}

// reconcileMember makes one server of our region a voter when it is alive
// and removes it from Raft when it left or was reaped. Failed servers stay
// voters: they may come back, and removing them would hide a lost quorum.
func (s *Server) reconcileMember(m serf.Member, reaped bool) {
	p, ok := isServer(m)
	if !ok || p.Region != s.config.Region || !s.IsLeader() {
		return
	}
	// Events may have waited in the queue; act on the member's status now.
	if !reaped {
		for _, cur := range s.serfLAN.Members() {
			if cur.Name == m.Name {
				m = cur
				break
			}
		}
		if p, ok = isServer(m); !ok {
			return
		}
	}
	var err error
	switch {
	case reaped || m.Status == serf.StatusLeft:
		err = s.removeRaftPeer(p)
	case m.Status == serf.StatusAlive:
		err = s.addRaftPeer(p)
	}
	if err != nil {
		s.logger.Error("reconcile of member failed", "member", m.Name, "error", err)
	}
}

// addRaftPeer makes p a voter, replacing a stale entry at the same address.
func (s *Server) addRaftPeer(p serverParts) error {
	if p.ID == s.config.NodeID || p.ID == "" {
		return nil
	}
	future := s.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return err
	}
	addr := raft.ServerAddress(p.RPCAddr.String())
	for _, srv := range future.Configuration().Servers {
		if srv.ID == raft.ServerID(p.ID) && srv.Address == addr {
			return nil
		}
		if srv.Address == addr && srv.ID != raft.ServerID(p.ID) {
			s.logger.Info("removing stale raft peer at reused address", "id", srv.ID, "addr", addr)
			if err := s.raft.RemoveServer(srv.ID, 0, 0).Error(); err != nil {
				return err
			}
		}
	}
	s.logger.Info("adding raft voter", "member", p.Name, "id", p.ID, "addr", addr)
	return s.raft.AddVoter(raft.ServerID(p.ID), addr, 0, 0).Error()
}

// removeRaftPeer removes p from the Raft configuration if it is there.
func (s *Server) removeRaftPeer(p serverParts) error {
	if p.ID == s.config.NodeID {
		return nil
	}
	future := s.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return err
	}
	for _, srv := range future.Configuration().Servers {
		if srv.ID == raft.ServerID(p.ID) {
			s.logger.Info("removing raft peer", "member", p.Name, "id", p.ID)
			return s.raft.RemoveServer(srv.ID, 0, 0).Error()
		}
	}
	return nil
}
