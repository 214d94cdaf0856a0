package nomadish

import (
	"net"
	"strconv"

	"github.com/hashicorp/serf/serf"
)

// memberEvent is one LAN membership change for the leader to reconcile.
type memberEvent struct {
	member serf.Member
	reaped bool
}

// lanEventHandler reacts to the region's gossip: joins may complete a
// bootstrap_expect set, and every change is passed to the leader loop.
func (s *Server) lanEventHandler() {
	defer s.wg.Done()
	for {
		select {
		case e := <-s.eventChLAN:
			me, ok := e.(serf.MemberEvent)
			if !ok {
				continue
			}
			for _, m := range me.Members {
				p, ok := isServer(m)
				if !ok {
					continue
				}
				s.logger.Info("lan member event", "event", me.Type.String(), "member", m.Name, "region", p.Region, "status", m.Status.String())
				if me.Type == serf.EventMemberJoin && p.Region == s.config.Region {
					s.floodWANJoin(m, p)
				}
			}
			if me.Type == serf.EventMemberJoin && !s.bootstrapped.Load() {
				select {
				case s.bootstrapCh <- struct{}{}:
				default:
				}
			}
			if s.IsLeader() {
				for _, m := range me.Members {
					select {
					case s.reconcileCh <- memberEvent{member: m, reaped: me.Type == serf.EventMemberReap}:
					default:
						// Full: the periodic reconcile will catch up.
					}
				}
			}
		case <-s.shutdownCh:
			return
		}
	}
}

// wanEventHandler logs cross-region membership; regions are read from
// the pool's members when needed.
func (s *Server) wanEventHandler() {
	defer s.wg.Done()
	for {
		select {
		case e := <-s.eventChWAN:
			if me, ok := e.(serf.MemberEvent); ok {
				for _, m := range me.Members {
					if p, ok := isServer(m); ok {
						s.logger.Debug("wan member event", "event", me.Type.String(), "member", m.Name, "region", p.Region)
					}
				}
			}
		case <-s.shutdownCh:
			return
		}
	}
}

// floodWANJoin makes a server of our region that joined the LAN pool a
// member of the WAN pool too, so operators join regions once rather than
// every server.
func (s *Server) floodWANJoin(m serf.Member, p serverParts) {
	if p.WANPort == 0 || p.ID == s.config.NodeID {
		return
	}
	wanName := p.Name + "." + p.Region
	for _, w := range s.serfWAN.Members() {
		if w.Name == wanName {
			return
		}
	}
	addr := net.JoinHostPort(m.Addr.String(), strconv.Itoa(p.WANPort))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.serfWAN.Join([]string{addr}, true); err != nil && !s.isShutdown() {
			s.logger.Warn("wan join of lan peer failed", "member", m.Name, "addr", addr, "error", err)
		}
	}()
}
