package structs

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Canonicalization and validation of the group blocks whose meaning comes
// partly from elsewhere: reschedule and migrate inherited from the job,
// disconnect (and its older spellings), and scaling bounds.

// inheritPolicies gives a group that has no reschedule or migrate block of
// its own the job's, as Nomad does: group overrides job overrides the
// defaults of the job type. The job file parser decodes each block over
// the level below it, so a block written in the file arrives complete;
// over the HTTP API a block arrives as sent, and the fields it leaves at
// zero that can never mean anything at zero (a delay, a delay function,
// a health check mode) are taken from the defaults. Only service and
// batch jobs are rescheduled, and only service jobs migrate.
func (tg *TaskGroup) inheritPolicies(j *Job) {
	if tg.ReschedulePolicy == nil && j.Reschedule != nil && (j.Type == JobTypeService || j.Type == JobTypeBatch) {
		p := *j.Reschedule
		if def := defaultReschedulePolicy(j.Type); def != nil {
			if p.Delay == 0 {
				p.Delay = def.Delay
			}
			if p.DelayFunction == "" {
				p.DelayFunction = def.DelayFunction
			}
			if p.MaxDelay == 0 && p.DelayFunction != "constant" {
				p.MaxDelay = def.MaxDelay
			}
		}
		tg.ReschedulePolicy = &p
	}
	if tg.Migrate == nil && j.Migrate != nil && j.Type == JobTypeService {
		m := *j.Migrate
		def := defaultMigrateStrategy()
		if m.MaxParallel == 0 {
			m.MaxParallel = def.MaxParallel
		}
		if m.HealthCheck == "" {
			m.HealthCheck = def.HealthCheck
		}
		if m.HealthyDeadline == 0 {
			m.HealthyDeadline = def.HealthyDeadline
		}
		tg.Migrate = &m
	}
}

// defaultMigrateStrategy is the migrate block of a service group that has
// none, as Nomad documents it.
func defaultMigrateStrategy() *MigrateStrategy {
	return &MigrateStrategy{MaxParallel: 1, HealthCheck: "checks", MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute}
}

// canonicalizeDisconnect fills the documented defaults of a disconnect
// block: replace = true, reconcile = "best_score". The older
// max_client_disconnect and stop_after_client_disconnect are kept as
// written (LostAfter and StopOnClientAfter read either).
func (tg *TaskGroup) canonicalizeDisconnect() {
	d := tg.Disconnect
	if d == nil {
		return
	}
	if d.Replace == nil {
		yes := true
		d.Replace = &yes
	}
	if d.Reconcile == "" {
		d.Reconcile = ReconcileOptionBestScore
	}
}

// LostAfter is how long the group's allocations on a client that stopped
// heartbeating are unknown before they are lost: disconnect.lost_after or
// the older max_client_disconnect. Zero means they are lost at once.
func (tg *TaskGroup) LostAfter() time.Duration {
	if tg == nil {
		return 0
	}
	if tg.Disconnect != nil && tg.Disconnect.LostAfter > 0 {
		return tg.Disconnect.LostAfter
	}
	if tg.MaxClientDisconnect != nil && *tg.MaxClientDisconnect > 0 {
		return *tg.MaxClientDisconnect
	}
	return 0
}

// ReplaceDisconnected tells whether an unknown allocation of the group is
// replaced while its client is away (disconnect.replace, default true).
func (tg *TaskGroup) ReplaceDisconnected() bool {
	if tg == nil || tg.Disconnect == nil || tg.Disconnect.Replace == nil {
		return true
	}
	return *tg.Disconnect.Replace
}

// ReconcileOnReconnect is how the survivor is chosen between an allocation
// that comes back with its client and its replacement
// (disconnect.reconcile, default best_score).
func (tg *TaskGroup) ReconcileOnReconnect() string {
	if tg == nil || tg.Disconnect == nil || tg.Disconnect.Reconcile == "" {
		return ReconcileOptionBestScore
	}
	return tg.Disconnect.Reconcile
}

var validReconcileOptions = []string{ReconcileOptionBestScore, ReconcileOptionKeepOriginal, ReconcileOptionKeepReplacement, ReconcileOptionLongestRunning}

// validateDisconnect checks the disconnect block against its older
// spellings, as Nomad does: each setting may be given one way only.
func (tg *TaskGroup) validateDisconnect(v validator) {
	if tg.MaxClientDisconnect != nil && *tg.MaxClientDisconnect < 0 {
		v.fail("MaxClientDisconnect", "max_client_disconnect must not be negative")
	}
	if tg.StopAfterClientDisconnect != nil && *tg.StopAfterClientDisconnect < 0 {
		v.fail("StopAfterClientDisconnect", "stop_after_client_disconnect must not be negative")
	}
	d := tg.Disconnect
	if d == nil {
		return
	}
	dv := v.at("Disconnect")
	if d.LostAfter < 0 {
		dv.fail("LostAfter", "lost_after must not be negative, got %s", d.LostAfter)
	}
	if d.StopOnClientAfter != nil && *d.StopOnClientAfter < 0 {
		dv.fail("StopOnClientAfter", "stop_on_client_after must not be negative, got %s", *d.StopOnClientAfter)
	}
	if d.LostAfter > 0 && d.StopOnClientAfter != nil && *d.StopOnClientAfter > 0 {
		dv.fail("StopOnClientAfter", "lost_after and stop_on_client_after cannot both be set: allocations kept through a disconnection (lost_after) cannot also be stopped by their client (stop_on_client_after)")
	}
	if tg.MaxClientDisconnect != nil {
		v.fail("MaxClientDisconnect", "max_client_disconnect and a disconnect block cannot both be set; write disconnect { lost_after = %q } instead", tg.MaxClientDisconnect.String())
	}
	if tg.StopAfterClientDisconnect != nil {
		v.fail("StopAfterClientDisconnect", "stop_after_client_disconnect and a disconnect block cannot both be set; write disconnect { stop_on_client_after = %q } instead", tg.StopAfterClientDisconnect.String())
	}
	if d.Reconcile != "" {
		ok := false
		for _, o := range validReconcileOptions {
			ok = ok || o == d.Reconcile
		}
		if !ok {
			dv.fail("Reconcile", "unknown reconcile %q; accepted: %s", d.Reconcile, joinQuoted(validReconcileOptions))
		}
	}
}

// canonicalizeScaling fills what the server owns in a group's scaling
// policy: its type, target and ID, and Min when left out (the group's
// count, as Nomad documents). The ID is derived from the target, so it
// is the same in every version of the job.
func (tg *TaskGroup) canonicalizeScaling(j *Job) {
	s := tg.Scaling
	if s == nil {
		return
	}
	if s.Type == "" {
		s.Type = ScalingPolicyTypeHorizontal
	}
	s.Namespace = j.Namespace
	s.Target = map[string]string{ScalingTargetNamespace: j.Namespace, ScalingTargetJob: j.ID, ScalingTargetGroup: tg.Name}
	s.ID = ScalingPolicyID(j.Namespace, j.ID, tg.Name)
	if s.Min == nil {
		m := int64(tg.Count)
		s.Min = &m
	}
}

// ScalingPolicyID is the ID of the scaling policy of a job's group: a
// UUID-shaped digest of its target, stable across job versions.
func ScalingPolicyID(namespace, jobID, group string) string {
	sum := sha256.Sum256([]byte("scaling\x00" + namespace + "\x00" + jobID + "\x00" + group))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5 layout, name-based
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CheckScalingBounds says why count is outside the group's scaling
// bounds, in the words of the job file, or nil when it is within them (or
// the group has no scaling block). The bounds hold whether or not the
// policy is enabled: enabled only tells an autoscaler to act on it.
func (tg *TaskGroup) CheckScalingBounds(count int64) error {
	if tg == nil || tg.Scaling == nil {
		return nil
	}
	s := tg.Scaling
	if s.Min != nil && count < *s.Min {
		return fmt.Errorf("group %q: count %d is below scaling.min %d", tg.Name, count, *s.Min)
	}
	if count > s.Max {
		return fmt.Errorf("group %q: count %d is above scaling.max %d", tg.Name, count, s.Max)
	}
	return nil
}

// validateScaling checks a group's scaling block and that the group's
// count is within it.
func (tg *TaskGroup) validateScaling(v validator, j *Job) {
	s := tg.Scaling
	if s == nil {
		return
	}
	sv := v.at("Scaling")
	if j.Type == JobTypeSystem || j.Type == JobTypeSysBatch {
		sv.fail("", "a scaling block is not allowed in a %s job, which runs one allocation per node", j.Type)
		return
	}
	if s.Type != "" && s.Type != ScalingPolicyTypeHorizontal {
		sv.fail("Type", "unknown scaling type %q for a group; accepted: %q", s.Type, ScalingPolicyTypeHorizontal)
	}
	if s.Max < 0 {
		sv.fail("Max", "scaling.max must be 0 or more, got %d", s.Max)
	}
	if s.Min != nil && *s.Min < 0 {
		sv.fail("Min", "scaling.min must be 0 or more, got %d", *s.Min)
	}
	// The path already names the group; the message says the bound.
	switch {
	case int64(tg.Count) > s.Max:
		v.fail("Count", "count %d is above scaling.max %d", tg.Count, s.Max)
	case s.Min != nil && *s.Min > s.Max:
		sv.fail("Min", "scaling.min %d is above scaling.max %d", *s.Min, s.Max)
	case s.Min != nil && int64(tg.Count) < *s.Min:
		v.fail("Count", "count %d is below scaling.min %d", tg.Count, *s.Min)
	}
}
