package nomadish

import (
	"sort"
	"time"
)

// retryJoin joins the LAN pool through Config.RetryJoin, trying again every
// RetryInterval until one attempt reaches a peer or RetryMaxAttempts (0:
// unlimited) attempts failed. An address that turns out to be a server of
// another region (the LAN pools refuse to merge) is joined through the
// WAN pool instead, at the WAN port that server gossips: as in Nomad, the
// servers of other regions may be listed in retry_join to federate.
func (s *Server) retryJoin() {
	defer s.wg.Done()
	addrs := s.config.RetryJoin
	for attempt := 1; ; attempt++ {
		n, err := s.JoinLAN(addrs)
		wan := s.joinForeign()
		if err == nil && n > 0 || n+wan > 0 {
			s.logger.Info("retry_join succeeded", "joined", n, "joined_wan", wan, "attempt", attempt)
			return
		}
		s.logger.Warn("retry_join failed", "addrs", addrs, "attempt", attempt, "error", err)
		if max := s.config.RetryMaxAttempts; max > 0 && attempt >= max {
			s.logger.Error("retry_join giving up", "attempts", attempt)
			return
		}
		t := time.NewTimer(s.config.RetryInterval)
		select {
		case <-t.C:
		case <-s.shutdownCh:
			t.Stop()
			return
		}
	}
}

// joinForeign joins the WAN pool through the servers of other regions a
// LAN join reached, and returns how many it joined.
func (s *Server) joinForeign() int {
	foreign := s.takeForeignServers()
	if len(foreign) == 0 {
		return 0
	}
	addrs := make([]string, 0, len(foreign))
	for a := range foreign {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	n, err := s.JoinWAN(addrs)
	if err != nil {
		s.logger.Warn("retry_join: cannot join the WAN pool of another region's servers", "addrs", addrs, "error", err)
	} else {
		s.logger.Info("retry_join: federated with another region's servers", "addrs", addrs, "regions", foreign)
	}
	return n
}
