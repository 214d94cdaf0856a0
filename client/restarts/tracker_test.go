package restarts

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// event is one thing that happens to the task at offset at, and what the
// tracker must decide.
type event struct {
	at   time.Duration
	set  func(*Tracker)
	want Decision
	// delay bounds (inclusive); both zero means the delay must be zero.
	minDelay, maxDelay time.Duration
	reason             string // substring
}

func exit(code int) func(*Tracker) {
	return func(t *Tracker) { t.SetExitResult(&plugin.ExitResult{ExitCode: code}) }
}

func startErr(recoverable bool) func(*Tracker) {
	return func(t *Tracker) {
		err := errors.New("boom")
		if recoverable {
			err = plugin.NewRecoverableError(err)
		}
		t.SetStartError(err)
	}
}

func killed(t *Tracker)  { t.SetKilled() }
func trigger(t *Tracker) { t.SetRestartTriggered(false) }

func policy(attempts int, interval, delay time.Duration, mode string) *structs.RestartPolicy {
	return &structs.RestartPolicy{Attempts: attempts, Interval: interval, Delay: delay, Mode: mode}
}

const (
	fail  = structs.RestartPolicyModeFail
	delay = structs.RestartPolicyModeDelay
	sec   = time.Second
)

// within is a restart after the 10s delay with up to 25% jitter.
func within(at time.Duration, set func(*Tracker)) event {
	return event{at: at, set: set, want: Restart, minDelay: 10 * sec, maxDelay: 12500 * time.Millisecond, reason: ReasonWithinPolicy}
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name    string
		policy  *structs.RestartPolicy
		jobType string
		events  []event
	}{
		{
			name:    "mode fail exhausts attempts",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				within(0, exit(1)),
				within(15*sec, exit(1)),
				{at: 30 * sec, set: exit(1), want: Fail, reason: `Exceeded allowed attempts 2 in interval 1m0s and mode is "fail"`},
			},
		},
		{
			name:    "interval end resets the count",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				within(0, exit(1)),
				within(30*sec, exit(1)),
				// The first interval started at 0; a failure at 60s begins a new one.
				within(60*sec, exit(1)),
				within(70*sec, exit(1)),
				{at: 80 * sec, set: exit(1), want: Fail, reason: "Exceeded allowed attempts"},
			},
		},
		{
			name:    "mode delay waits for the interval to end",
			policy:  policy(2, time.Minute, 10*sec, delay),
			jobType: structs.JobTypeService,
			events: []event{
				within(0, exit(1)),
				within(15*sec, exit(1)),
				{at: 40 * sec, set: exit(1), want: Restart, minDelay: 20 * sec, maxDelay: 20 * sec, reason: ReasonDelay},
				// Restarted at 60s, fails again: a new interval.
				within(65*sec, exit(1)),
			},
		},
		{
			name:    "batch success is done",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeBatch,
			events: []event{
				within(0, exit(1)),
				{at: 20 * sec, set: exit(0), want: NoRestart, reason: ReasonSuccess},
			},
		},
		{
			name:    "sysbatch success is done",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeSysBatch,
			events:  []event{{at: 0, set: exit(0), want: NoRestart, reason: ReasonSuccess}},
		},
		{
			name:    "service success restarts",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events:  []event{within(0, exit(0)), within(20*sec, exit(0))},
		},
		{
			name:    "system success restarts",
			policy:  policy(1, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeSystem,
			events:  []event{within(0, exit(0)), {at: 20 * sec, set: exit(0), want: Fail}},
		},
		{
			name:    "signal and OOM are failures",
			policy:  policy(3, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeBatch,
			events: []event{
				within(0, func(t *Tracker) { t.SetExitResult(&plugin.ExitResult{Signal: 9}) }),
				within(sec, func(t *Tracker) { t.SetExitResult(&plugin.ExitResult{OOMKilled: true}) }),
				within(2*sec, func(t *Tracker) { t.SetExitResult(&plugin.ExitResult{Err: "wait failed"}) }),
			},
		},
		{
			name:    "no attempts",
			policy:  policy(0, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events:  []event{{at: 0, set: exit(1), want: Fail, reason: ReasonNoRestartsAllowed}},
		},
		{
			name:    "no attempts batch success",
			policy:  policy(0, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeBatch,
			events:  []event{{at: 0, set: exit(0), want: NoRestart, reason: ReasonSuccess}},
		},
		{
			name:    "unrecoverable start error fails at once",
			policy:  policy(5, time.Minute, 10*sec, delay),
			jobType: structs.JobTypeService,
			events:  []event{{at: 0, set: startErr(false), want: Fail, reason: ReasonUnrecoverable}},
		},
		{
			name:    "recoverable start errors count",
			policy:  policy(1, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				within(0, startErr(true)),
				{at: sec, set: startErr(true), want: Fail, reason: "Exceeded allowed attempts"},
			},
		},
		{
			name:    "killed never restarts",
			policy:  policy(2, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				{at: 0, set: func(t *Tracker) { t.SetExitResult(&plugin.ExitResult{Signal: 15}); t.SetKilled() }, want: NoRestart, reason: ReasonKilled},
			},
		},
		{
			name:    "user restart is immediate and not counted",
			policy:  policy(1, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				{at: 0, set: trigger, want: Restart, reason: ReasonTriggered},
				{at: sec, set: trigger, want: Restart, reason: ReasonTriggered},
				within(2*sec, exit(1)),
				{at: 3 * sec, set: trigger, want: Restart, reason: ReasonTriggered},
				{at: 4 * sec, set: exit(1), want: Fail},
			},
		},
		{
			name:    "user restart as failure is counted",
			policy:  policy(1, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events: []event{
				within(0, func(t *Tracker) { t.SetRestartTriggered(true) }),
				{at: sec, set: func(t *Tracker) { t.SetRestartTriggered(true) }, want: Fail},
			},
		},
		{
			name:    "nothing recorded",
			policy:  policy(1, time.Minute, 10*sec, fail),
			jobType: structs.JobTypeService,
			events:  []event{{at: 0, set: func(*Tracker) {}, want: NoRestart, reason: ReasonNothing}},
		},
		{
			name:    "zero delay",
			policy:  policy(1, time.Minute, 0, fail),
			jobType: structs.JobTypeService,
			events:  []event{{at: 0, set: exit(1), want: Restart, reason: ReasonWithinPolicy}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.policy, tt.jobType, rand.New(rand.NewSource(1)))
			for i, ev := range tt.events {
				ev.set(tr)
				d, wait, reason := tr.Next(t0.Add(ev.at))
				if d != ev.want {
					t.Fatalf("event %d: decision %v (%q), want %v", i, d, reason, ev.want)
				}
				if wait < ev.minDelay || wait > ev.maxDelay {
					t.Fatalf("event %d: delay %v, want in [%v, %v]", i, wait, ev.minDelay, ev.maxDelay)
				}
				if !strings.Contains(reason, ev.reason) {
					t.Fatalf("event %d: reason %q, want %q", i, reason, ev.reason)
				}
			}
		})
	}
}

func TestJitterBoundsAndSeed(t *testing.T) {
	p := policy(1000000, time.Hour, 8*sec, fail)
	a := NewTracker(p, structs.JobTypeService, rand.New(rand.NewSource(7)))
	b := NewTracker(p, structs.JobTypeService, rand.New(rand.NewSource(7)))
	varied := false
	var first time.Duration
	for i := 0; i < 1000; i++ {
		a.SetExitResult(&plugin.ExitResult{ExitCode: 1})
		b.SetExitResult(&plugin.ExitResult{ExitCode: 1})
		_, da, _ := a.Next(t0)
		_, db, _ := b.Next(t0)
		if da != db {
			t.Fatalf("same seed, different delays %v %v", da, db)
		}
		if da < 8*sec || da >= 10*sec {
			t.Fatalf("delay %v outside [8s, 10s)", da)
		}
		if i == 0 {
			first = da
		} else if da != first {
			varied = true
		}
	}
	if !varied {
		t.Fatal("jitter never varied")
	}
	if a.Count() != 1000 {
		t.Fatalf("Count = %d", a.Count())
	}
}

func TestDefaultPolicies(t *testing.T) {
	// Batch default: 3 attempts.
	tr := NewTracker(nil, structs.JobTypeBatch, rand.New(rand.NewSource(1)))
	for i := 0; i < 3; i++ {
		tr.SetExitResult(&plugin.ExitResult{ExitCode: 1})
		if d, _, _ := tr.Next(t0); d != Restart {
			t.Fatalf("batch attempt %d: %v", i, d)
		}
	}
	tr.SetExitResult(&plugin.ExitResult{ExitCode: 1})
	if d, _, r := tr.Next(t0); d != Fail || !strings.Contains(r, "interval 24h0m0s") {
		t.Fatalf("batch 4th: %v %q", d, r)
	}
	// Service default: 2 attempts in 30m.
	tr = NewTracker(nil, structs.JobTypeService, rand.New(rand.NewSource(1)))
	for i := 0; i < 2; i++ {
		tr.SetExitResult(&plugin.ExitResult{ExitCode: 1})
		tr.Next(t0)
	}
	tr.SetExitResult(&plugin.ExitResult{ExitCode: 1})
	if d, _, r := tr.Next(t0); d != Fail || !strings.Contains(r, "interval 30m0s") {
		t.Fatalf("service 3rd: %v %q", d, r)
	}
}

func TestDecisionString(t *testing.T) {
	if Restart.String() != "restart" || Fail.String() != "fail" || NoRestart.String() != "no restart" || Decision(9).String() != "Decision(9)" {
		t.Fatal("Decision.String")
	}
}
