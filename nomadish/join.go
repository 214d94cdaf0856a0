package nomadish

import "time"

// retryJoin joins the LAN pool through Config.RetryJoin, trying again every
// RetryInterval until one attempt reaches a peer or RetryMaxAttempts (0:
// unlimited) attempts failed.
func (s *Server) retryJoin() {
	defer s.wg.Done()
	addrs := s.config.RetryJoin
	for attempt := 1; ; attempt++ {
		n, err := s.JoinLAN(addrs)
		if err == nil && n > 0 {
			s.logger.Info("retry_join succeeded", "joined", n, "attempt", attempt)
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
