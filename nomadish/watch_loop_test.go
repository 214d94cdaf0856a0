package nomadish

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// A watch loop with a minimum interval takes up a change that comes too
// soon after its last pass only once the interval has passed.
func TestWatchLoopPausesBetweenPasses(t *testing.T) {
	s, clock := lifecycleServer(t, nil)
	var passes atomic.Int32
	l := newWatchLoop(s, time.Minute, func(ws memdb.WatchSet) (time.Time, bool) {
		passes.Add(1)
		if _, err := s.State().NodeByID(ws, "n1"); err != nil {
			t.Error(err)
		}
		return time.Time{}, false
	})
	const interval = 1234 * time.Millisecond // no other timer of the server uses it
	l.minInterval = interval
	start := clock.Now()
	l.start(make(chan struct{}))
	defer l.stop()
	count := func(want int32) func() error {
		return func() error {
			if n := passes.Load(); n != want {
				return errors.New("waiting for the pass")
			}
			return nil
		}
	}
	waitFor(t, 5*time.Second, count(1))

	registerNode(t, s, testNode("n1"))
	waitFor(t, 5*time.Second, func() error {
		if !clock.armedAt(start.Add(interval)) {
			return errors.New("the loop has not paused")
		}
		return nil
	})
	if n := passes.Load(); n != 1 {
		t.Fatalf("%d passes before the interval passed, want 1", n)
	}
	clock.Advance(interval)
	waitFor(t, 5*time.Second, count(2))
}
