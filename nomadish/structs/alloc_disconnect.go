package structs

import "time"

// AllocStateFieldClientStatus is the field an AllocState records.
const AllocStateFieldClientStatus = "ClientStatus"

// AllocState is one change of an allocation's client status made by the
// servers rather than reported by its client.
type AllocState struct {
	Field string
	Value string
	Time  time.Time
}

// Descriptions of allocations whose client stopped heartbeating.
const (
	AllocDescNodeDisconnected = "alloc is unknown since its node is disconnected"
)

// UnknownSince is when the allocation last became unknown, and whether it
// is unknown now by the servers' record (its latest AllocState).
func (a *Allocation) UnknownSince() (time.Time, bool) {
	if n := len(a.AllocStates); n > 0 {
		s := a.AllocStates[n-1]
		if s != nil && s.Field == AllocStateFieldClientStatus && s.Value == AllocClientStatusUnknown {
			return s.Time, true
		}
	}
	return time.Time{}, false
}

// Reconnecting reports whether the allocation was unknown and its client
// has since reported it pending or running, and the reconciler has not
// yet settled it (the latest AllocState still says unknown).
func (a *Allocation) Reconnecting() bool {
	if _, ok := a.UnknownSince(); !ok {
		return false
	}
	return a.ClientStatus == AllocClientStatusRunning || a.ClientStatus == AllocClientStatusPending
}

// DisconnectGroup is the group whose disconnect block governs a: that of
// the job version it runs, else the given one.
func (a *Allocation) DisconnectGroup(current *TaskGroup) *TaskGroup {
	if a.Job != nil {
		if tg := a.Job.LookupTaskGroup(a.TaskGroup); tg != nil {
			return tg
		}
	}
	return current
}

// DisconnectExpiry is when an unknown allocation becomes lost: the time it
// became unknown plus its group's lost_after. ok is false when it is not
// unknown or its group has no lost_after.
func (a *Allocation) DisconnectExpiry(current *TaskGroup) (time.Time, bool) {
	since, ok := a.UnknownSince()
	if !ok {
		return time.Time{}, false
	}
	after := a.DisconnectGroup(current).LostAfter()
	if after <= 0 {
		return time.Time{}, false
	}
	return since.Add(after), true
}

// Evaluation triggers of the disconnect lifecycle, as Nomad names them.
const (
	// EvalTriggerReconnect: an unknown allocation's client reported it
	// again; the scheduler picks between it and its replacement.
	EvalTriggerReconnect = "reconnect"
	// EvalTriggerMaxDisconnectTimeout: an unknown allocation's
	// lost_after has passed; the scheduler marks it lost.
	EvalTriggerMaxDisconnectTimeout = "max-disconnect-timeout"
)
