package nomadish

import (
	"sync"
	"time"
)

// Clock is the time source of leader duties that act on a schedule, such
// as periodic launches. Tests inject a fake they advance by hand, so
// nothing waits on the wall clock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// clock returns the configured clock, or the wall clock.
func (s *Server) clock() Clock {
	if s.config.Clock != nil {
		return s.config.Clock
	}
	return wallClock{}
}

// AfterFunc is the optional ability of a Clock to call f in its own
// goroutine once d has passed without holding a goroutine meanwhile, as
// time.AfterFunc does. Timers kept per client node use it.
type AfterFunc interface {
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

func (wallClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// clockAfterFunc calls f once d has passed on c, through c's AfterFunc
// when it has one, else with a goroutine waiting on NewTimer. stop
// prevents the call if it has not started.
func clockAfterFunc(c Clock, d time.Duration, f func()) (stop func() bool) {
	if af, ok := c.(AfterFunc); ok {
		return af.AfterFunc(d, f)
	}
	ch, stopTimer := c.NewTimer(d)
	cancel := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-ch:
			f()
		case <-cancel:
		}
	}()
	return func() bool {
		was := stopTimer()
		once.Do(func() { close(cancel) })
		return was
	}
}
