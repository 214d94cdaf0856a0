package scheduler

import (
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Allocations of a group with disconnect.lost_after (or the older
// max_client_disconnect) live through their client's disconnection: the
// server marks them unknown rather than lost (nomadish/state), and the
// reconciler then
//
//   - while the node is disconnected and lost_after has not passed:
//     keeps the allocation (never stops it), places one replacement under
//     its name when the group's disconnect.replace is true (the default),
//     else lets it hold its slot; and asks for a follow-up evaluation at
//     the moment lost_after passes;
//   - once lost_after has passed, or the node is down or gone: stops it as
//     lost, and replaces it unless a replacement is already running;
//   - once its client reports it again (Allocation.Reconnecting): keeps
//     one of it and its replacement by the group's disconnect.reconcile
//     and stops the other; the one kept is never restarted.
//
// Allocations of groups without lost_after are lost as before.

// Descriptions of allocations stopped when an original reconnects.
const (
	descReconnectKeptOriginal    = "alloc not needed as the original allocation reconnected"
	descReconnectKeptReplacement = "alloc not needed as its replacement was kept when it reconnected"
)

// disconnectAction is what the reconciler does with an unknown allocation.
type disconnectAction int

const (
	disconnectIgnore  disconnectAction = iota // its replacement holds the slot
	disconnectKeep                            // it holds its slot, unknown
	disconnectReplace                         // kept, and a replacement placed
	disconnectLost                            // lost_after passed: stopped as lost
)

// liveReplacements maps the ID of every allocation to the live allocation
// that replaces it (PreviousAllocation), for the job's allocations.
func liveReplacements(allocs []*structs.Allocation) map[string]*structs.Allocation {
	var out map[string]*structs.Allocation
	for _, a := range allocs {
		if a.PreviousAllocation == "" || a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientTerminalStatus() {
			continue
		}
		if out == nil {
			out = map[string]*structs.Allocation{}
		}
		out[a.PreviousAllocation] = a
	}
	return out
}

// unknownAction decides what becomes of an unknown allocation a of group
// tg, whose group tolerates disconnection, on node n (nil: gone).
func (r *reconciler) unknownAction(a *structs.Allocation, tg *structs.TaskGroup, n *structs.Node) disconnectAction {
	exp, timed := a.DisconnectExpiry(tg)
	if n == nil || n.Status == structs.NodeStatusDown || (timed && !r.now.Before(exp)) {
		return disconnectLost
	}
	if timed && n.Status == structs.NodeStatusDisconnected && a.FollowupEvalID == "" {
		r.disconnectAt = append(r.disconnectAt, rescheduleLater{alloc: a, at: exp})
	}
	if r.replacements[a.ID] != nil {
		return disconnectIgnore
	}
	if n.Status == structs.NodeStatusDisconnected && a.DisconnectGroup(tg).ReplaceDisconnected() {
		return disconnectReplace
	}
	return disconnectKeep
}

// reconnectLosers decides, for each allocation of the group that has
// reconnected and has a live replacement, which of the two is stopped,
// by the group's disconnect.reconcile; it returns the losers' IDs with
// the description they are stopped with. A reconnected allocation that
// is kept gets an attribute update recording that it is running again.
func (r *reconciler) reconnectLosers(res *reconcileResult, tg *structs.TaskGroup, allocs []*structs.Allocation) map[string]string {
	var losers map[string]string
	for _, a := range allocs {
		if a.DesiredStatus != structs.AllocDesiredStatusRun || !a.Reconnecting() {
			continue
		}
		if n, ok := r.nodes[a.NodeID]; taintOf(n, ok) != nodeOK {
			continue // not back yet as far as the node goes
		}
		keepOriginal := true
		if repl := r.replacements[a.ID]; repl != nil {
			keepOriginal = keepOriginalOnReconnect(a.DisconnectGroup(tg).ReconcileOnReconnect(), a, repl, r.now)
			if losers == nil {
				losers = map[string]string{}
			}
			if keepOriginal {
				losers[repl.ID] = descReconnectKeptOriginal
			} else {
				losers[a.ID] = descReconnectKeptReplacement
			}
		}
		if keepOriginal {
			u := *a
			u.FollowupEvalID = ""
			u.AllocStates = append(append([]*structs.AllocState(nil), a.AllocStates...), &structs.AllocState{
				Field: structs.AllocStateFieldClientStatus, Value: a.ClientStatus, Time: r.now})
			res.attributeUpdates = append(res.attributeUpdates, &u)
		}
	}
	return losers
}

// keepOriginalOnReconnect applies a reconcile option to an original that
// reconnected and its replacement; ties keep the original, which has
// been running all along.
func keepOriginalOnReconnect(option string, original, replacement *structs.Allocation, now time.Time) bool {
	switch option {
	case structs.ReconcileOptionKeepReplacement:
		return false
	case structs.ReconcileOptionLongestRunning:
		return !runningSince(replacement, now).Before(runningSince(original, now))
	case structs.ReconcileOptionBestScore:
		return allocScore(original) >= allocScore(replacement)
	}
	return true
}

// runningSince is when the allocation's earliest running task started;
// now when none is running.
func runningSince(a *structs.Allocation, now time.Time) time.Time {
	since := now
	for _, ts := range a.TaskStates {
		if ts != nil && ts.State == structs.TaskStateRunning && !ts.StartedAt.IsZero() && ts.StartedAt.Before(since) {
			since = ts.StartedAt
		}
	}
	return since
}

// allocScore is the final score the scheduler gave the allocation's node
// when it placed it; 0 when not recorded.
func allocScore(a *structs.Allocation) float64 {
	if a.Metrics == nil {
		return 0
	}
	return a.Metrics.Scores[a.NodeID+".normalized-score"]
}
