package logs

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when Advance is called; its tickers
// fire (dropping ticks for slow receivers, like time.Ticker) when it passes
// their next deadline.
type fakeClock struct {
	mu      sync.Mutex // guards the fields below
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct {
	every   time.Duration
	next    time.Time
	ch      chan time.Time
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{every: d, next: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.tickers = append(c.tickers, t)
	return t.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.stopped = true
	}
}

// Advance moves the clock and fires the tickers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.tickers {
		if t.stopped || t.next.After(c.now) {
			continue
		}
		select {
		case t.ch <- c.now:
		default:
		}
		for !t.next.After(c.now) {
			t.next = t.next.Add(t.every)
		}
	}
}

// live counts the tickers not stopped.
func (c *fakeClock) live() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.tickers {
		if !t.stopped {
			n++
		}
	}
	return n
}

func TestFakeClock_TicksOncePerDeadlineAndStops(t *testing.T) {
	c := newFakeClock()
	ch, stop := c.NewTicker(time.Second)
	c.Advance(500 * time.Millisecond)
	select {
	case <-ch:
		t.Fatal("ticked early")
	default:
	}
	c.Advance(3 * time.Second) // one tick kept, the rest dropped
	<-ch
	select {
	case <-ch:
		t.Fatal("more than one tick buffered")
	default:
	}
	stop()
	c.Advance(time.Hour)
	select {
	case <-ch:
		t.Fatal("ticked after stop")
	default:
	}
	if c.live() != 0 {
		t.Fatal("ticker still live")
	}
}

// eventually polls cond until it holds, failing after a bounded wait. It is
// for state another goroutine changes after a fake-clock tick, never for
// waiting on time itself.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
