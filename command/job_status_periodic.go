package command

import (
	"fmt"
	"time"

	"github.com/hashicorp/cronexpr"
	"github.com/nomadish/nomadish/api"
)

// nextPeriodicLaunch is the earliest time after now that any of a periodic
// job's schedules (cron and crons) matches, read in its time zone; the
// zero time when none has a further launch.
func nextPeriodicLaunch(p *api.PeriodicConfig, now time.Time) (time.Time, error) {
	loc := time.UTC
	if p.TimeZone != "" {
		l, err := time.LoadLocation(p.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("time zone %q: %w", p.TimeZone, err)
		}
		loc = l
	}
	specs := append([]string(nil), p.Specs...)
	if p.Spec != "" {
		specs = append(specs, p.Spec)
	}
	var next time.Time
	for _, spec := range specs {
		expr, err := cronexpr.Parse(spec)
		if err != nil {
			return time.Time{}, fmt.Errorf("cron %q: %w", spec, err)
		}
		if t := expr.Next(now.In(loc)); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, nil
}

// periodicLaunchLine is job status's "Next Periodic Launch" row, as Nomad
// prints it: the time and how far away it is.
func periodicLaunchLine(p *api.PeriodicConfig, now time.Time) string {
	next, err := nextPeriodicLaunch(p, now)
	switch {
	case err != nil:
		return "Next Periodic Launch|unknown: " + err.Error()
	case next.IsZero():
		return "Next Periodic Launch|none"
	}
	return fmt.Sprintf("Next Periodic Launch|%s (%s from now)", next.Format("2006-01-02T15:04:05Z07:00"), next.Sub(now).Round(time.Second))
}

// periodicLaunchLineNow is periodicLaunchLine at the wall clock's now.
func periodicLaunchLineNow(p *api.PeriodicConfig) string { return periodicLaunchLine(p, time.Now()) }
