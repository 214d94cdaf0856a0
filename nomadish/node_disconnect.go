package nomadish

import (
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// disconnectWait says how long a node that stopped heartbeating stays
// disconnected before it is down, and whether it is to be disconnected at
// all: it is while one of its live allocations belongs to a group with
// lost_after (disconnect.lost_after or max_client_disconnect) that has
// not passed yet. For an allocation already unknown the window runs from
// the time it became unknown (its AllocStates), so that a new leader,
// which restarts every timer with the failover TTL, keeps the deadline
// the old one set; for one not yet unknown it runs from now.
func (s *Server) disconnectWait(node *structs.Node, now time.Time) (time.Duration, bool) {
	allocs, err := s.State().AllocsByNode(nil, node.ID)
	if err != nil {
		s.logger.Error("disconnect window: allocs of node", "node_id", node.ID, "error", err)
		return 0, false
	}
	var deadline time.Time
	for _, a := range allocs {
		if a.TerminalStatus() {
			continue
		}
		after := a.DisconnectGroup(nil).LostAfter()
		if after <= 0 {
			continue
		}
		end := now.Add(after)
		if exp, ok := a.DisconnectExpiry(nil); ok && a.ClientStatus == structs.AllocClientStatusUnknown {
			end = exp
		} else if node.Status == structs.NodeStatusDisconnected {
			// Not unknown on a disconnected node: it was lost, or its
			// client reported it; it does not hold the node.
			continue
		}
		if end.After(deadline) {
			deadline = end
		}
	}
	if deadline.IsZero() || !deadline.After(now) {
		return 0, false
	}
	return deadline.Sub(now), true
}

// reconnectReport tells whether a client's report brings back an
// allocation the servers hold as unknown: it says the allocation is
// running (or still pending, or has failed meanwhile).
func reconnectReport(existing, report *structs.Allocation) bool {
	if existing == nil || existing.ClientStatus != structs.AllocClientStatusUnknown || existing.DesiredStatus != structs.AllocDesiredStatusRun {
		return false
	}
	return report.ClientStatus != structs.AllocClientStatusUnknown
}

// onlyUpdatesExisting tells whether every allocation a plan puts on a
// node is one already there: updates of records, no placements.
func onlyUpdatesExisting(placements, existing []*structs.Allocation) bool {
	on := make(map[string]bool, len(existing))
	for _, a := range existing {
		on[a.ID] = true
	}
	for _, a := range placements {
		if !on[a.ID] {
			return false
		}
	}
	return true
}
