package nomadish

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
)

// Leave takes the server out of the cluster gracefully, keeping quorum: a
// leader with other peers hands leadership over (or, failing that,
// removes itself from Raft) first; then the server leaves the WAN and LAN
// pools, whose leave event makes the leader remove it from Raft, and waits
// up to LeaveDrainTime to see that happen. Shutdown is still needed after.
func (s *Server) Leave() error {
	s.logger.Info("server starting leave")
	s.left.Store(true)

	peers, err := s.numPeers()
	if err != nil {
		s.logger.Error("read raft configuration failed", "error", err)
	}
	removedSelf := false
	if s.IsLeader() && peers > 1 {
		if err := s.raft.LeadershipTransfer().Error(); err != nil {
			s.logger.Warn("leadership transfer failed; removing self from raft", "error", err)
			if err := s.raft.RemoveServer(raft.ServerID(s.config.NodeID), 0, 0).Error(); err != nil {
				s.logger.Error("remove self from raft failed", "error", err)
			} else {
				removedSelf = true
			}
		}
	}

	// Leave both pools at once: each leave waits for its broadcast, which
	// with every other server gone runs to the broadcast timeout.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pool := range []struct {
		name string
		serf *serf.Serf
	}{{"wan", s.serfWAN}, {"lan", s.serfLAN}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := pool.serf.Leave(); err != nil {
				errs[i] = fmt.Errorf("leave %s pool: %w", pool.name, err)
			}
		}()
	}
	wg.Wait()

	if peers > 1 && !removedSelf {
		s.waitRemoved()
	}
	return errors.Join(errs...)
}

// waitRemoved waits until this server's Raft configuration no longer lists
// it (the leader committed its removal), or LeaveDrainTime passes, or no
// leader has been known for leaderlessGiveUp: then nobody can remove it,
// as when every server is stopping at once, and waiting longer is useless.
func (s *Server) waitRemoved() {
	const leaderlessGiveUp = time.Second
	deadline := time.Now().Add(s.config.LeaveDrainTime)
	var leaderlessSince time.Time
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if !s.inRaftConfig() {
			s.logger.Info("removed from raft peers")
			return
		}
		if s.IsLeader() {
			// Leadership came back to us after the hand-over (every
			// other server is leaving too): nobody else can remove us.
			s.logger.Warn("still the raft leader while leaving; leaving its raft membership as is")
			return
		}
		if addr, _ := s.raft.LeaderWithID(); addr != "" {
			leaderlessSince = time.Time{}
		} else if leaderlessSince.IsZero() {
			leaderlessSince = time.Now()
		} else if time.Since(leaderlessSince) > leaderlessGiveUp {
			s.logger.Warn("no raft leader to remove this server; leaving its raft membership as is", "waited", leaderlessGiveUp)
			return
		}
		select {
		case <-tick.C:
		case <-s.shutdownCh:
			return
		}
	}
	s.logger.Warn("leave drain time passed while still a raft peer", "wait", s.config.LeaveDrainTime)
}

// inRaftConfig reports whether the local Raft configuration lists this
// server.
func (s *Server) inRaftConfig() bool {
	future := s.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return true
	}
	for _, srv := range future.Configuration().Servers {
		if srv.ID == raft.ServerID(s.config.NodeID) {
			return true
		}
	}
	return false
}
