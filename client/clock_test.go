package client

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when Advance is called; timers
// fire when it passes their deadline.
type fakeClock struct {
	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	caller  string // where it was armed, for failure messages
	at      time.Time
	ch      chan time.Time
	stopped bool
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	clocksMu.Lock()
	newest = c
	clocksMu.Unlock()
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	for i := 1; i < 4; i++ {
		if _, f, l, ok := runtime.Caller(i); ok {
			t.caller += fmt.Sprintf(" %s:%d", filepath.Base(f), l)
		}
	}
	if d <= 0 {
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	return t.ch, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	var keep []*fakeTimer
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.ch <- c.now
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// armedFor reports whether a timer is waiting to fire d from now.
func (c *fakeClock) armedFor(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.now.Add(d)
	for _, t := range c.timers {
		if !t.stopped && t.at.Equal(at) {
			return true
		}
	}
	return false
}

// armedBy reports whether a timer armed from file (a file name such as
// "heartbeat.go") is waiting to fire d from now, for a test that must
// tell apart timers of the same duration.
func (c *fakeClock) armedBy(file string, d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.now.Add(d)
	for _, t := range c.timers {
		if !t.stopped && t.at.Equal(at) && strings.Contains(t.caller, " "+file+":") {
			return true
		}
	}
	return false
}

// advanceWhenArmed waits until a timer is armed for d from now, then
// advances the clock by d, so the advance cannot race the goroutine that
// arms the timer.
func (c *fakeClock) advanceWhenArmed(t *testing.T, what string, d time.Duration) {
	t.Helper()
	waitFor(t, what+" to arm its timer", func() bool { return c.armedFor(d) })
	c.Advance(d)
}

// waitFor polls cond until it holds or a generous bound passes. The
// client's loops run on goroutines and talk over real TCP (and, in some
// tests, to real plugin processes), which no fake clock can drive. On a
// timeout it lists the timers armed on the test's fake clock, if any.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			if c := lastClock(); c != nil {
				t.Logf("timers armed on the fake clock:\n%s", c.describe())
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var (
	clocksMu sync.Mutex // guards newest
	newest   *fakeClock
)

// lastClock is the fake clock made last, the current test's.
func lastClock() *fakeClock {
	clocksMu.Lock()
	defer clocksMu.Unlock()
	return newest
}

// describe lists the armed timers and where each was armed.
func (c *fakeClock) describe() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, t := range c.timers {
		if !t.stopped {
			fmt.Fprintf(&b, "  in %v, armed at%s\n", t.at.Sub(c.now), t.caller)
		}
	}
	return b.String()
}
