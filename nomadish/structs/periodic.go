package structs

import (
	"fmt"
	"time"

	"github.com/hashicorp/cronexpr"
)

// PeriodicSpecCron is the only periodic spec type: a cron expression of
// five to seven fields, or a shorthand such as "@hourly".
const PeriodicSpecCron = "cron"

// Next returns the first launch time strictly after from, in the config's
// TimeZone (UTC when empty), taking the earliest over Spec and Specs. The
// zero time means the schedule has no further launch.
func (p *PeriodicConfig) Next(from time.Time) (time.Time, error) {
	if p == nil {
		return time.Time{}, nil
	}
	loc, err := p.Location()
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, spec := range p.allSpecs() {
		expr, err := cronexpr.Parse(spec)
		if err != nil {
			return time.Time{}, fmt.Errorf("periodic spec %q: %w", spec, err)
		}
		t := expr.Next(from.In(loc))
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, nil
}

// Location is the time zone the schedule is read in.
func (p *PeriodicConfig) Location() (*time.Location, error) {
	if p.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("periodic time zone %q: %w", p.TimeZone, err)
	}
	return loc, nil
}

func (p *PeriodicConfig) allSpecs() []string {
	var out []string
	if p.Spec != "" {
		out = append(out, p.Spec)
	}
	return append(out, p.Specs...)
}

// validate checks the spec type, every cron expression and the time zone.
func (p *PeriodicConfig) validate(v validator) {
	switch p.SpecType {
	case "", PeriodicSpecCron:
	default:
		v.fail("SpecType", "unknown spec type %q; accepted: %q", p.SpecType, PeriodicSpecCron)
	}
	check := func(field, spec string) {
		if _, err := cronexpr.Parse(spec); err != nil {
			v.fail(field, "invalid cron expression %q: %v; want five fields (minute hour day-of-month month day-of-week) such as \"*/15 * * * *\", or a shorthand such as \"@hourly\"", spec, err)
		}
	}
	if p.Spec != "" && len(p.Specs) > 0 {
		// Nomad refuses the pair too: which of them would win is not
		// obvious to the reader of the job file.
		v.fail("Specs", "cron = %q and crons = [...] are both set; set only crons (a list of cron expressions, the job launching at the earliest of them), or only the older cron", p.Spec)
	}
	if p.Spec != "" {
		check("Spec", p.Spec)
	}
	for i, s := range p.Specs {
		check(indexPath("Specs", i), s)
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil {
			v.fail("TimeZone", "unknown time zone %q; want an IANA name such as \"UTC\" or \"America/New_York\"", p.TimeZone)
		}
	}
}
