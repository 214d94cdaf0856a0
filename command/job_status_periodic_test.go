package command

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

func TestNextPeriodicLaunchTakesEarliestOfCrons(t *testing.T) {
	now := time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)
	p := &api.PeriodicConfig{Enabled: true, Specs: []string{"0 0 * * *", "30 6 * * *"}}
	next, err := nextPeriodicLaunch(p, now)
	if err != nil || !next.Equal(time.Date(2025, 3, 1, 6, 30, 0, 0, time.UTC)) {
		t.Fatalf("next = %s, %v", next, err)
	}
	p = &api.PeriodicConfig{Enabled: true, Spec: "0 6 * * *", TimeZone: "Europe/Berlin"} // 05:00 UTC is 06:00 in Berlin in March
	if next, _ := nextPeriodicLaunch(p, now); !next.Equal(time.Date(2025, 3, 2, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("next in Berlin = %s", next.UTC())
	}
	if line := periodicLaunchLine(&api.PeriodicConfig{Specs: []string{"*/15 * * * *"}}, now); !strings.Contains(line, "2025-03-01T05:15:00Z (15m0s from now)") {
		t.Fatalf("line = %q", line)
	}
	if line := periodicLaunchLine(&api.PeriodicConfig{Spec: "not cron"}, now); !strings.HasPrefix(line, "Next Periodic Launch|unknown: cron \"not cron\"") {
		t.Fatalf("line = %q", line)
	}
}
