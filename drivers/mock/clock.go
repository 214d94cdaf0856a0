package mock

import "time"

// Clock is the time source of the driver; every decision that depends on
// time (run_for, kill_after, stdout repeats, stop timeouts, stats
// intervals) reads it, so tests can drive it by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
