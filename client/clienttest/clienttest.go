// Package clienttest holds test support shared by the client's packages:
// a fake clock that moves only when told, and a driver manager over
// in-process drivers. Only tests import it; it must not import the client
// packages it serves.
package clienttest

import (
	"sync"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// Clock moves only when Advance is called; timers fire when it passes
// their deadline. It satisfies the Clock interfaces of the client's
// packages and of the mock driver.
type Clock struct {
	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers []*timer
}

type timer struct {
	at      time.Time
	ch      chan time.Time
	stopped bool
}

// NewClock returns a clock set to a fixed date.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a channel that receives once the clock has moved d
// on, and a function that stops the timer.
func (c *Clock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
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

// After is NewTimer without the stop function.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	ch, _ := c.NewTimer(d)
	return ch
}

// Advance moves the clock and fires the timers that came due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	var keep []*timer
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

// Armed counts the timers waiting to fire.
func (c *Clock) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// Drivers is a driver manager over in-process drivers.
type Drivers struct {
	mu sync.Mutex // guards m
	m  map[string]plugin.DriverPlugin
}

// NewDrivers returns a manager of no drivers.
func NewDrivers() *Drivers { return &Drivers{m: map[string]plugin.DriverPlugin{}} }

// Driver returns the driver set under name.
func (f *Drivers) Driver(name string) (plugin.DriverPlugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.m[name]
	if !ok {
		return nil, &UnknownDriverError{Name: name}
	}
	return d, nil
}

// Set makes d the driver under name.
func (f *Drivers) Set(name string, d plugin.DriverPlugin) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[name] = d
}

// UnknownDriverError is Driver's answer for a name nothing was set under.
type UnknownDriverError struct{ Name string }

func (e *UnknownDriverError) Error() string { return "no driver named " + e.Name }
