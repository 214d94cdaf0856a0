package nomadish

import (
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// heartbeats is the leader's record of when each client node must next be
// heard from: one timer per node, armed for the node's TTL plus the grace
// period. A timer that fires calls expire with the node's ID. Off the
// leader it is disabled and holds no timers; reset still computes TTLs so
// that a reply is never without one.
type heartbeats struct {
	clock     Clock
	logger    hclog.Logger
	minTTL    time.Duration
	maxPerSec float64
	grace     time.Duration
	stagger   func(max time.Duration) time.Duration
	expire    func(nodeID string)

	mu      sync.Mutex // guards the fields below
	enabled bool
	gen     uint64
	timers  map[string]heartbeatTimer
}

type heartbeatTimer struct {
	gen  uint64
	stop func() bool
}

func newHeartbeats(cfg *Config, clock Clock, logger hclog.Logger, expire func(nodeID string)) *heartbeats {
	stagger := cfg.HeartbeatStagger
	if stagger == nil {
		stagger = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return rand.N(max)
		}
	}
	return &heartbeats{
		clock:     clock,
		logger:    logger.Named("heartbeat"),
		minTTL:    cfg.MinHeartbeatTTL,
		maxPerSec: cfg.MaxHeartbeatsPerSecond,
		grace:     cfg.HeartbeatGrace,
		stagger:   stagger,
		expire:    expire,
		timers:    map[string]heartbeatTimer{},
	}
}

// baseTTLLocked is the TTL before stagger for n tracked nodes: long
// enough that n nodes heartbeating once per TTL stay within maxPerSec.
func (h *heartbeats) baseTTLLocked(n int) time.Duration {
	ttl := time.Duration(float64(n) / h.maxPerSec * float64(time.Second))
	if ttl < h.minTTL {
		ttl = h.minTTL
	}
	return ttl
}

// reset hands nodeID a fresh TTL and, on the leader, arms its timer for
// that TTL plus grace. It returns the TTL for the client.
func (h *heartbeats) reset(nodeID string) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.timers)
	if _, ok := h.timers[nodeID]; !ok {
		n++
	}
	base := h.baseTTLLocked(n)
	ttl := base + h.stagger(base)
	if h.enabled {
		h.armLocked(nodeID, ttl+h.grace)
	}
	return ttl
}

// resetFor arms nodeID's timer for exactly d, as a new leader does with
// the failover TTL.
func (h *heartbeats) resetFor(nodeID string, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.enabled {
		h.armLocked(nodeID, d)
	}
}

func (h *heartbeats) armLocked(nodeID string, d time.Duration) {
	if t, ok := h.timers[nodeID]; ok {
		t.stop()
	}
	h.gen++
	gen := h.gen
	stop := clockAfterFunc(h.clock, d, func() { h.fire(nodeID, gen) })
	h.timers[nodeID] = heartbeatTimer{gen: gen, stop: stop}
}

// fire runs when a timer expires. A timer replaced or cleared meanwhile
// is ignored.
func (h *heartbeats) fire(nodeID string, gen uint64) {
	h.mu.Lock()
	t, ok := h.timers[nodeID]
	if !ok || t.gen != gen || !h.enabled {
		h.mu.Unlock()
		return
	}
	delete(h.timers, nodeID)
	h.mu.Unlock()
	metrics.IncrCounter([]string{"nomad", "heartbeat", "invalidate"}, 1)
	h.expire(nodeID)
}

// clear stops tracking nodeID.
func (h *heartbeats) clear(nodeID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok := h.timers[nodeID]; ok {
		t.stop()
		delete(h.timers, nodeID)
	}
}

// count is how many nodes are tracked.
func (h *heartbeats) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.timers)
}

// setEnabled turns tracking on (leader) or off, dropping every timer.
func (h *heartbeats) setEnabled(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.enabled = on
	if !on {
		for id, t := range h.timers {
			t.stop()
			delete(h.timers, id)
		}
	}
}

// initializeHeartbeatTimers runs when this server becomes leader: every
// node that is not down gets the failover TTL plus grace to check in
// before it is judged, since the old leader's timers died with it.
func (s *Server) initializeHeartbeatTimers() {
	s.heartbeats.setEnabled(true)
	it, err := s.State().Nodes(nil)
	if err != nil {
		s.logger.Error("heartbeat timers: list nodes", "error", err)
		return
	}
	n := 0
	for raw := it.Next(); raw != nil; raw = it.Next() {
		node := raw.(*structs.Node)
		if node.Status == structs.NodeStatusDown {
			continue
		}
		s.heartbeats.resetFor(node.ID, s.config.FailoverHeartbeatTTL+s.config.HeartbeatGrace)
		n++
	}
	if n > 0 {
		s.logger.Info("heartbeat timers started", "nodes", n, "failover_ttl", s.config.FailoverHeartbeatTTL)
	}
}

// nodeHeartbeatMissed handles a node whose heartbeat timer expired. A
// node with allocations of groups that tolerate a disconnection
// (disconnect.lost_after) is marked disconnected, those allocations
// unknown and the others lost, and its timer is armed again for the
// longest lost_after (node_disconnect.go); a disconnected node whose
// timer fires before every lost_after has passed (a new leader's failover
// TTL) is armed again for what remains. Otherwise the node is marked down,
// its allocations lost. Either way the evaluations that replace them are
// in the same Raft entry. If the write fails while still leader it is
// retried after the grace period.
func (s *Server) nodeHeartbeatMissed(nodeID string) {
	if s.isShutdown() {
		return
	}
	node, err := s.State().NodeByID(nil, nodeID)
	if err != nil || node == nil || node.Status == structs.NodeStatusDown {
		return
	}
	now := s.clock().Now()
	status := structs.NodeStatusDown
	message := "Node heartbeat missed"
	if wait, ok := s.disconnectWait(node, now); ok {
		if node.Status == structs.NodeStatusDisconnected {
			s.heartbeats.resetFor(nodeID, wait)
			return
		}
		status, message = structs.NodeStatusDisconnected, "Node heartbeat missed; its allocations with lost_after are unknown until it returns"
		s.logger.Warn("node heartbeat missed, marking node disconnected", "node_id", nodeID, "grace", s.config.HeartbeatGrace, "lost_after", wait)
	} else {
		s.logger.Warn("node heartbeat missed, marking node down", "node_id", nodeID, "grace", s.config.HeartbeatGrace)
	}
	req := &structs.NodeUpdateStatusEvalsRequest{
		NodeID:    nodeID,
		Status:    status,
		UpdatedAt: now.Unix(),
		NodeEvent: &structs.NodeEvent{Message: message, Subsystem: "Cluster", Timestamp: now.Unix()},
		Evals:     s.nodeEvals(node, status, now),
	}
	if _, _, err := s.raftApply(structs.NodeUpdateStatusEvalsRequestType, req); err != nil {
		s.logger.Error("mark node "+status+" failed", "node_id", nodeID, "error", err)
		if s.IsLeader() {
			s.heartbeats.resetFor(nodeID, s.config.HeartbeatGrace)
		}
		return
	}
	if status == structs.NodeStatusDisconnected {
		// The node turns down once the longest lost_after has passed,
		// unless it heartbeats first (which re-arms its usual TTL).
		if wait, ok := s.disconnectWait(node, now); ok {
			s.heartbeats.resetFor(nodeID, wait)
		}
		metrics.IncrCounter([]string{"nomad", "heartbeat", "node_disconnected"}, 1)
		return
	}
	metrics.IncrCounter([]string{"nomad", "heartbeat", "node_down"}, 1)
}

// startNodeLifecycle starts the leader's node duties: heartbeat timers
// (every node gets the failover TTL) and the drainer.
func (s *Server) startNodeLifecycle(stopCh chan struct{}) {
	s.initializeHeartbeatTimers()
	s.drainer.start(stopCh)
}

// stopNodeLifecycle stops what startNodeLifecycle started.
func (s *Server) stopNodeLifecycle() {
	s.heartbeats.setEnabled(false)
	s.drainer.stop()
}

// nodeServers lists the region's live servers for clients, so that they
// can fail over to another when theirs goes away.
func (s *Server) nodeServers() []*structs.NodeServerInfo {
	var out []*structs.NodeServerInfo
	for _, m := range s.serfLAN.Members() {
		p, ok := isServer(m)
		if !ok || p.Region != s.config.Region || m.Status != serf.StatusAlive || p.RPCAddr == nil {
			continue
		}
		out = append(out, &structs.NodeServerInfo{RPCAdvertiseAddr: p.RPCAddr.String(), Datacenter: p.Datacenter})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RPCAdvertiseAddr < out[j].RPCAdvertiseAddr })
	return out
}
