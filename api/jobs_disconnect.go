package api

import "time"

// DisconnectStrategy says what happens to a group's allocations while
// their client has stopped heartbeating: after LostAfter they are lost
// (until then unknown); Replace (default true) places a replacement
// meanwhile; Reconcile ("best_score", "keep_original" (default),
// "keep_replacement", "longest_running") picks the survivor when the
// client returns; StopOnClientAfter is how long a cut-off client keeps
// them running.
type DisconnectStrategy struct {
	LostAfter         time.Duration
	Replace           *bool          `json:",omitempty"`
	Reconcile         string         `json:",omitempty"`
	StopOnClientAfter *time.Duration `json:",omitempty"`
}

// CheckRestart restarts a task whose check has failed Limit times in a
// row, ignoring failures for Grace after it starts.
type CheckRestart struct {
	Limit          int
	Grace          time.Duration
	IgnoreWarnings bool
}

// ScalingPolicy bounds a group's Count to [Min, Max]; Policy is opaque
// data for an external autoscaler. The server sets ID, Namespace, Type,
// Target and the indexes.
type ScalingPolicy struct {
	ID          string
	Namespace   string
	Type        string
	Target      map[string]string
	Min         *int64 `json:",omitempty"`
	Max         int64
	Policy      map[string]interface{}
	Enabled     bool
	CreateIndex uint64
	ModifyIndex uint64
}
