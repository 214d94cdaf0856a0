package structs

import "time"

// Restart policy modes.
const (
	RestartPolicyModeDelay = "delay"
	RestartPolicyModeFail  = "fail"
)

// RestartPolicy governs restarts of a failed task on the same node.
type RestartPolicy struct {
	Attempts        int
	Interval        time.Duration
	Delay           time.Duration
	Mode            string
	RenderTemplates bool
}

// ReschedulePolicy governs replacing a failed allocation on another node.
type ReschedulePolicy struct {
	Attempts      int
	Interval      time.Duration
	Delay         time.Duration
	DelayFunction string
	MaxDelay      time.Duration
	Unlimited     bool
}

// UpdateStrategy governs rolling and canary deployments.
type UpdateStrategy struct {
	Stagger          time.Duration
	MaxParallel      int
	HealthCheck      string
	MinHealthyTime   time.Duration
	HealthyDeadline  time.Duration
	ProgressDeadline time.Duration
	AutoRevert       bool
	AutoPromote      bool
	Canary           int
}

// MigrateStrategy governs moving allocations off a draining node.
type MigrateStrategy struct {
	MaxParallel     int
	HealthCheck     string
	MinHealthyTime  time.Duration
	HealthyDeadline time.Duration
}

// PeriodicConfig launches a child job on a cron schedule.
type PeriodicConfig struct {
	Enabled         bool
	Spec            string
	Specs           []string
	SpecType        string
	ProhibitOverlap bool
	TimeZone        string
}

// ParameterizedJobConfig makes a job a template for dispatched children.
type ParameterizedJobConfig struct {
	Payload      string
	MetaRequired []string
	MetaOptional []string
}

// Parameterized payload requirements.
const (
	DispatchPayloadForbidden = "forbidden"
	DispatchPayloadOptional  = "optional"
	DispatchPayloadRequired  = "required"
)

// Reschedule delay functions.
var validDelayFunctions = []string{"constant", "exponential", "fibonacci"}

func (r *RestartPolicy) validate(v validator) {
	if r.Attempts < 0 {
		v.fail("Attempts", "must be 0 or more, got %d", r.Attempts)
	}
	if r.Delay < 0 {
		v.fail("Delay", "must not be negative")
	}
	if r.Interval < 0 {
		v.fail("Interval", "must not be negative")
	}
	switch r.Mode {
	case RestartPolicyModeDelay, RestartPolicyModeFail:
	default:
		v.fail("Mode", "unknown mode %q; accepted: %q, %q", r.Mode, RestartPolicyModeDelay, RestartPolicyModeFail)
	}
	if r.Attempts > 0 && r.Interval > 0 && time.Duration(r.Attempts)*r.Delay > r.Interval {
		v.fail("Interval", "%d attempts with a %s delay do not fit in %s", r.Attempts, r.Delay, r.Interval)
	}
}

func (r *ReschedulePolicy) validate(v validator) {
	if r.Attempts < 0 {
		v.fail("Attempts", "must be 0 or more, got %d", r.Attempts)
	}
	if r.Delay < 0 {
		v.fail("Delay", "must not be negative")
	}
	if r.MaxDelay < 0 {
		v.fail("MaxDelay", "must not be negative")
	}
	if r.DelayFunction != "" {
		ok := false
		for _, f := range validDelayFunctions {
			ok = ok || f == r.DelayFunction
		}
		if !ok {
			v.fail("DelayFunction", "unknown function %q; accepted: %s", r.DelayFunction, joinQuoted(validDelayFunctions))
		}
	}
}

func (u *UpdateStrategy) validate(v validator) {
	if u.MaxParallel < 0 {
		v.fail("MaxParallel", "must be 0 or more, got %d", u.MaxParallel)
	}
	if u.Canary < 0 {
		v.fail("Canary", "must be 0 or more, got %d", u.Canary)
	}
	switch u.HealthCheck {
	case "", "checks", "task_states", "manual":
	default:
		v.fail("HealthCheck", "unknown value %q; accepted: \"checks\", \"task_states\", \"manual\"", u.HealthCheck)
	}
	if u.MinHealthyTime < 0 {
		v.fail("MinHealthyTime", "must not be negative")
	}
	if u.HealthyDeadline < 0 {
		v.fail("HealthyDeadline", "must not be negative")
	}
	if u.HealthyDeadline > 0 && u.MinHealthyTime >= u.HealthyDeadline {
		v.fail("MinHealthyTime", "must be less than HealthyDeadline (%s)", u.HealthyDeadline)
	}
	if u.ProgressDeadline != 0 && u.ProgressDeadline < u.HealthyDeadline {
		v.fail("ProgressDeadline", "must be 0 or at least HealthyDeadline (%s)", u.HealthyDeadline)
	}
}
