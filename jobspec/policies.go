package jobspec

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

// The defaults Nomad documents for a policy block's arguments. A block
// that is present starts from them, so that leaving an argument out means
// the documented default rather than zero; a block that is absent is left
// nil for the server to fill in.

func defaultUpdate() *api.UpdateStrategy {
	return &api.UpdateStrategy{
		Stagger:          30 * time.Second,
		MaxParallel:      1,
		HealthCheck:      "checks",
		MinHealthyTime:   10 * time.Second,
		HealthyDeadline:  5 * time.Minute,
		ProgressDeadline: 10 * time.Minute,
	}
}

func defaultRestart(jobType string) *api.RestartPolicy {
	if jobType == api.JobTypeBatch || jobType == api.JobTypeSysBatch {
		return &api.RestartPolicy{Attempts: 3, Interval: 24 * time.Hour, Delay: 15 * time.Second, Mode: "fail"}
	}
	return &api.RestartPolicy{Attempts: 2, Interval: 30 * time.Minute, Delay: 15 * time.Second, Mode: "fail"}
}

func defaultReschedule(jobType string) *api.ReschedulePolicy {
	switch jobType {
	case api.JobTypeService:
		return &api.ReschedulePolicy{Delay: 30 * time.Second, DelayFunction: "exponential", MaxDelay: time.Hour, Unlimited: true}
	case api.JobTypeBatch:
		return &api.ReschedulePolicy{Attempts: 1, Interval: 24 * time.Hour, Delay: 5 * time.Second, DelayFunction: "constant"}
	}
	return &api.ReschedulePolicy{}
}

func defaultMigrate() *api.MigrateStrategy {
	return &api.MigrateStrategy{MaxParallel: 1, HealthCheck: "checks", MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute}
}

var updateSchema = &schema{attrs: []string{"stagger", "max_parallel", "health_check", "min_healthy_time",
	"healthy_deadline", "progress_deadline", "auto_revert", "auto_promote", "canary"}}

// update decodes an update block over base.
func (s *scope) update(b *hcl.Block, base *api.UpdateStrategy) *api.UpdateStrategy {
	c := s.content(b.Body, updateSchema)
	a := c.Attributes
	u := *base
	s.duration(a, "stagger", &u.Stagger)
	s.integer(a, "max_parallel", &u.MaxParallel)
	s.enum(a, "health_check", &u.HealthCheck, "checks", "task_states", "manual")
	s.duration(a, "min_healthy_time", &u.MinHealthyTime)
	s.duration(a, "healthy_deadline", &u.HealthyDeadline)
	s.duration(a, "progress_deadline", &u.ProgressDeadline)
	s.boolean(a, "auto_revert", &u.AutoRevert)
	s.boolean(a, "auto_promote", &u.AutoPromote)
	s.integer(a, "canary", &u.Canary)
	return &u
}

var restartSchema = &schema{attrs: []string{"attempts", "interval", "delay", "mode", "render_templates"}}

// restart decodes a restart block over base.
func (s *scope) restart(b *hcl.Block, base *api.RestartPolicy) *api.RestartPolicy {
	c := s.content(b.Body, restartSchema)
	a := c.Attributes
	r := *base
	s.integer(a, "attempts", &r.Attempts)
	s.duration(a, "interval", &r.Interval)
	s.duration(a, "delay", &r.Delay)
	s.enum(a, "mode", &r.Mode, "fail", "delay")
	s.boolean(a, "render_templates", &r.RenderTemplates)
	return &r
}

var rescheduleSchema = &schema{attrs: []string{"attempts", "interval", "delay", "delay_function", "max_delay", "unlimited"}}

// reschedule decodes a reschedule block over base.
func (s *scope) reschedule(b *hcl.Block, base *api.ReschedulePolicy) *api.ReschedulePolicy {
	c := s.content(b.Body, rescheduleSchema)
	a := c.Attributes
	r := *base
	s.integer(a, "attempts", &r.Attempts)
	s.duration(a, "interval", &r.Interval)
	s.duration(a, "delay", &r.Delay)
	s.enum(a, "delay_function", &r.DelayFunction, "constant", "exponential", "fibonacci")
	s.duration(a, "max_delay", &r.MaxDelay)
	s.boolean(a, "unlimited", &r.Unlimited)
	return &r
}

var migrateSchema = &schema{attrs: []string{"max_parallel", "health_check", "min_healthy_time", "healthy_deadline"}}

// migrate decodes a migrate block over base, or over the defaults when
// base is nil.
func (s *scope) migrate(b *hcl.Block, base *api.MigrateStrategy) *api.MigrateStrategy {
	c := s.content(b.Body, migrateSchema)
	a := c.Attributes
	m := defaultMigrate()
	if base != nil {
		cp := *base
		m = &cp
	}
	s.integer(a, "max_parallel", &m.MaxParallel)
	s.enum(a, "health_check", &m.HealthCheck, "checks", "task_states")
	s.duration(a, "min_healthy_time", &m.MinHealthyTime)
	s.duration(a, "healthy_deadline", &m.HealthyDeadline)
	return m
}

var periodicSchema = &schema{
	attrs: []string{"cron", "crons", "prohibit_overlap", "time_zone", "enabled"},
}

func (s *scope) periodic(b *hcl.Block) *api.PeriodicConfig {
	c := s.content(b.Body, periodicSchema)
	a := c.Attributes
	p := &api.PeriodicConfig{Enabled: true, SpecType: "cron", TimeZone: "UTC"}
	s.str(a, "cron", &p.Spec)
	s.strList(a, "crons", &p.Specs)
	// Nomad takes either the older cron or the list crons, not both.
	_, hasCron := a["cron"]
	_, hasCrons := a["crons"]
	switch {
	case hasCron && hasCrons:
		s.errorf(a["crons"].NameRange.Ptr(), "Conflicting arguments",
			"Give either crons (a list of cron expressions) or the older cron (one expression), not both.")
	case !hasCron && !hasCrons:
		s.errorf(s.def.Ptr(), "Missing required argument",
			`A periodic block needs crons, a list of cron expressions such as crons = ["*/15 * * * *"] (or the older cron = "...").`)
	}
	s.boolean(a, "prohibit_overlap", &p.ProhibitOverlap)
	s.str(a, "time_zone", &p.TimeZone)
	s.boolean(a, "enabled", &p.Enabled)
	return p
}

var parameterizedSchema = &schema{attrs: []string{"payload", "meta_required", "meta_optional"}}

func (s *scope) parameterized(b *hcl.Block) *api.ParameterizedJobConfig {
	c := s.content(b.Body, parameterizedSchema)
	a := c.Attributes
	p := &api.ParameterizedJobConfig{Payload: "optional"}
	s.enum(a, "payload", &p.Payload, "optional", "required", "forbidden")
	s.strList(a, "meta_required", &p.MetaRequired)
	s.strList(a, "meta_optional", &p.MetaOptional)
	return p
}
