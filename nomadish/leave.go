package nomadish

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
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

	var errs []error
	if err := s.serfWAN.Leave(); err != nil {
		errs = append(errs, fmt.Errorf("leave wan pool: %w", err))
	}
	if err := s.serfLAN.Leave(); err != nil {
		errs = append(errs, fmt.Errorf("leave lan pool: %w", err))
	}

	if peers > 1 && !removedSelf {
		s.waitRemoved()
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// waitRemoved waits until the leader no longer lists this server as a
// Raft peer, or LeaveDrainTime passes.
func (s *Server) waitRemoved() {
	deadline := time.Now().Add(s.config.LeaveDrainTime)
	self := s.rpcAdvertise.String()
	if s.raftTransport != nil {
		self = string(s.raftTransport.LocalAddr())
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if !s.inRaftConfig() {
			s.logger.Info("removed from raft peers")
			return
		}
		var peers []string
		req := &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: s.config.Region}}
		if err := s.RPC("Status.Peers", req, &peers); err == nil && !slices.Contains(peers, self) {
			s.logger.Info("removed from raft peers")
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
