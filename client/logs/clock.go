package logs

import "time"

// Clock paces the Rotator's flushes and Follow's polls. Tests inject a
// fake they advance by hand, so nothing waits on the wall clock.
type Clock interface {
	// NewTicker returns a channel that receives every d, and a function
	// that stops the ticker. Like time.Ticker, it drops ticks for a slow
	// receiver.
	NewTicker(d time.Duration) (<-chan time.Time, func())
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
