package state

import (
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// disconnectAlloc changes a live allocation of a node that has just been
// marked disconnected: an allocation of a group with lost_after (or
// max_client_disconnect) becomes unknown, with the time recorded in its
// AllocStates so that the scheduler knows when it turns lost; any other
// becomes lost at once, as on a node that is down. It reports false when
// there is nothing to change (the allocation is unknown already).
func disconnectAlloc(a *structs.Allocation, updatedAt int64) bool {
	if a.DisconnectGroup(nil).LostAfter() <= 0 {
		a.ClientStatus = structs.AllocClientStatusLost
		a.ClientDescription = structs.AllocDescNodeDown
		a.DesiredDescription = structs.AllocDescNodeDown
		return true
	}
	if _, unknown := a.UnknownSince(); unknown && a.ClientStatus == structs.AllocClientStatusUnknown {
		return false
	}
	a.ClientStatus = structs.AllocClientStatusUnknown
	a.ClientDescription = structs.AllocDescNodeDisconnected
	states := make([]*structs.AllocState, 0, len(a.AllocStates)+1)
	states = append(states, a.AllocStates...)
	a.AllocStates = append(states, &structs.AllocState{Field: structs.AllocStateFieldClientStatus,
		Value: structs.AllocClientStatusUnknown, Time: time.Unix(updatedAt, 0).UTC()})
	return true
}
