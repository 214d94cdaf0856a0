package structs

import "time"

// Disconnect reconcile strategies: which of an allocation that comes back
// with its client and the replacement placed while it was away is kept.
const (
	ReconcileOptionBestScore       = "best_score"
	ReconcileOptionKeepOriginal    = "keep_original"
	ReconcileOptionKeepReplacement = "keep_replacement"
	ReconcileOptionLongestRunning  = "longest_running"
)

// DisconnectStrategy says what happens to a group's allocations while
// their client has stopped heartbeating. With LostAfter set, the node is
// marked disconnected rather than down and the allocations unknown rather
// than lost; only once LostAfter has passed without the client returning
// are they lost. Replace (default true) places a replacement meanwhile;
// Reconcile (default keep_original) picks the survivor when the client
// comes back. StopOnClientAfter is the client-side counterpart: how long
// a client cut off from the servers keeps the allocations running.
type DisconnectStrategy struct {
	LostAfter         time.Duration
	Replace           *bool          `json:",omitempty"`
	Reconcile         string         `json:",omitempty"`
	StopOnClientAfter *time.Duration `json:",omitempty"`
}

// CheckRestart restarts a task whose check has been unhealthy Limit times
// in a row, ignoring failures during Grace after the task starts. It is
// stored only until services and checks run.
type CheckRestart struct {
	Limit          int
	Grace          time.Duration
	IgnoreWarnings bool
}
