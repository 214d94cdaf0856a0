package nomadish

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	metrics "github.com/hashicorp/go-metrics"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// forward sends a request on to the server that must answer it: a server
// of another region when the request names one, else our leader, unless
// this server is the leader or the request is a read that allows stale
// results. done reports whether the request was forwarded, in which case
// reply holds the answer and err the error; when done is false the caller
// serves the request itself.
func (s *Server) forward(method string, info structs.RPCInfo, args, reply interface{}) (done bool, err error) {
	region := info.RequestRegion()
	if region == "" {
		region = s.config.Region
	}
	if region != s.config.Region {
		info.SetForwarded()
		return true, s.forwardRegion(region, method, args, reply)
	}
	if info.IsRead() && info.AllowStaleRead() {
		return false, nil
	}
	var deadline <-chan time.Time
	for {
		changed := s.leaderChanged()
		if s.IsLeader() {
			if s.leaderReady.Load() {
				if info.IsRead() {
					// A leader that was paused or cut off still believes
					// it leads until it hears otherwise, and would answer
					// from a state that misses what a newer leader has
					// committed (the chaos suite saw it with
					// CHAOS_SEED=1). A round of heartbeats to a quorum
					// confirms the leadership before the read is served.
					if err := s.raft.VerifyLeader().Error(); err != nil {
						return true, fmt.Errorf("%w: this server lost the leadership while serving a read: %v", structs.ErrNoLeader, err)
					}
				}
				return false, nil
			}
			// Leader, but the FSM may not have applied the entries of
			// earlier terms yet: wait for the leader loop's barrier.
			if deadline == nil {
				t := time.NewTimer(s.config.RPCHoldTimeout)
				defer t.Stop()
				deadline = t.C
			}
			select {
			case <-changed:
				continue
			case <-deadline:
				return true, structs.ErrNoLeader
			case <-s.shutdownCh:
				return true, errShutdown
			}
		}
		addr, err := s.waitForLeader()
		if err != nil {
			return true, err
		}
		if addr == s.raftTransport.LocalAddr() {
			// We are the leader Raft names; the loop above waits until
			// we act as it.
			continue
		}
		info.SetForwarded()
		metrics.IncrCounterWithLabels([]string{"nomad", "rpc", "forward_leader"}, 1, []metrics.Label{{Name: "method", Value: method}})
		return true, s.connPool.RPC(string(addr), method, args, reply)
	}
}

// confirmDefinite returns err, a definite refusal of a write decided on
// this server's state before anything was sent to Raft (a failed
// check-and-set, a job that does not exist), once this server has
// confirmed with a quorum that it still leads. A leader that was paused
// or cut off believes it leads until it hears otherwise, and its state
// may miss what a newer leader committed: its refusal would be wrong, so
// it answers that it lost the leadership instead, which a caller takes
// as an outcome unknown (the chaos suite's linearizability check saw the
// wrong refusals).
func (s *Server) confirmDefinite(err error) error {
	if err == nil {
		return nil
	}
	// Writes are served only by the leader (forward): one that is no
	// longer has lost it since.
	if !s.IsLeader() {
		return fmt.Errorf("%w: this server lost the leadership before it could answer the write", structs.ErrNoLeader)
	}
	if verr := s.raft.VerifyLeader().Error(); verr != nil {
		// Not err's text: it would still read as the refusal it is not.
		return fmt.Errorf("%w: this server lost the leadership before it could answer the write: %v", structs.ErrNoLeader, verr)
	}
	return err
}

// waitForLeader returns the leader's address, waiting up to
// RPCHoldTimeout for one to be elected.
func (s *Server) waitForLeader() (raft.ServerAddress, error) {
	deadline := time.NewTimer(s.config.RPCHoldTimeout)
	defer deadline.Stop()
	for {
		changed := s.leaderChanged()
		addr, _ := s.raft.LeaderWithID()
		if addr != "" && (addr != s.raftTransport.LocalAddr() || s.IsLeader()) {
			return addr, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return "", structs.ErrNoLeader
		case <-s.shutdownCh:
			return "", errShutdown
		}
	}
}

// observeLeader wakes waitForLeader whenever Raft reports a leader change.
func (s *Server) observeLeader() {
	ch := make(chan raft.Observation, 16)
	s.raft.RegisterObserver(raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.LeaderObservation, raft.RaftState:
			return true
		}
		return false
	}))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			select {
			case <-ch:
				s.notifyLeaderChange()
			case <-s.shutdownCh:
				return
			}
		}
	}()
}

// notifyLeaderChange wakes every waiter on leaderChanged.
func (s *Server) notifyLeaderChange() {
	s.leaderMu.Lock()
	close(s.leaderChangeCh)
	s.leaderChangeCh = make(chan struct{})
	s.leaderMu.Unlock()
}

// setLeaderReady records whether this server serves requests as the
// leader and wakes the requests waiting for it.
func (s *Server) setLeaderReady(ready bool) {
	if s.leaderReady.Swap(ready) != ready {
		s.notifyLeaderChange()
	}
}

// leaderChanged returns a channel closed at the next leader change.
func (s *Server) leaderChanged() <-chan struct{} {
	s.leaderMu.Lock()
	defer s.leaderMu.Unlock()
	return s.leaderChangeCh
}

// forwardRegion sends a request to a live server of region, chosen at
// random; when it cannot be reached (a write: when it could not be sent
// at all), to one other. The whole exchange is
// bounded by RegionForwardTimeout plus the time a blocking query may be
// held, so that a region cut off answers with an error naming it and why
// rather than holding the caller.
func (s *Server) forwardRegion(region, method string, args, reply interface{}) error {
	bound := s.config.RegionForwardTimeout
	if bw, ok := args.(interface{ BlockingWait() time.Duration }); ok {
		bound += bw.BlockingWait()
	}
	return s.forwardRegionWithin(region, method, args, reply, bound)
}

// forwardRegionWithin is forwardRegion bounded by bound.
func (s *Server) forwardRegionWithin(region, method string, args, reply interface{}, bound time.Duration) error {
	var candidates []serverParts
	for _, m := range s.WANMembers() {
		p, ok := isServer(m)
		if ok && p.Region == region && m.Status == serf.StatusAlive {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		known := s.Regions()
		if slices.Contains(known, region) {
			return fmt.Errorf("%w: region %q: none of its servers is alive in the WAN pool (see `server members -wan`); the link to it may be down", structs.ErrRegionUnreachable, region)
		}
		return fmt.Errorf("%w %q; known regions: %s", structs.ErrUnknownRegion, region, strings.Join(known, ", "))
	}
	rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	deadline := time.Now().Add(bound)
	metrics.IncrCounterWithLabels([]string{"nomad", "rpc", "forward_region"}, 1, []metrics.Label{{Name: "region", Value: region}})
	var err error
	for i, target := range candidates[:min(2, len(candidates))] {
		if i > 0 && time.Until(deadline) <= 0 {
			break
		}
		err = s.connPool.RPCUntil(target.RPCAddr.String(), method, args, reply, deadline)
		if err == nil || !errors.Is(err, errTransport) {
			// Answered: a success, or the region's own error.
			return err
		}
		if info, ok := args.(structs.RPCInfo); !errors.Is(err, errNotSent) && (!ok || !info.IsRead()) {
			// A write that may have reached the region is not sent
			// twice.
			break
		}
		s.logger.Warn("cannot reach a server of another region", "region", region, "server", target.Name, "addr", target.RPCAddr.String(), "error", err)
	}
	why := err.Error()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		why = fmt.Sprintf("no answer within %s: %v", bound, err)
	}
	return fmt.Errorf("%w: region %q: %s", structs.ErrRegionUnreachable, region, why)
}
