package nomadish

import (
	"context"
	"sync"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// watchLoop runs a leader duty that works in passes (the drainer, the
// deployment watcher). After each pass it waits for a change to what the
// pass read (the watch set it filled), for the time the pass asked to be
// woken at, for wake, or after a failed pass for at most retry; it ends
// when stopped, when leadership is lost or when the server shuts down.
// With minInterval set, a change that comes sooner than that after the
// previous pass started is taken up only once minInterval has passed, so
// that a stream of writes costs a pass per interval, not one per write.
type watchLoop struct {
	srv         *Server
	retry       time.Duration
	minInterval time.Duration
	pass        func(ws memdb.WatchSet) (next time.Time, failed bool)
	wakeCh      chan struct{}

	mu     sync.Mutex // guards stopCh and done
	stopCh chan struct{}
	done   chan struct{}
}

func newWatchLoop(s *Server, retry time.Duration, pass func(memdb.WatchSet) (time.Time, bool)) *watchLoop {
	return &watchLoop{srv: s, retry: retry, pass: pass, wakeCh: make(chan struct{}, 1)}
}

// start runs the loop until stop or leaderStop.
func (l *watchLoop) start(leaderStop chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopCh != nil {
		return
	}
	l.stopCh = make(chan struct{})
	l.done = make(chan struct{})
	go l.run(l.stopCh, leaderStop, l.done)
}

// stop ends the loop and waits for it.
func (l *watchLoop) stop() {
	l.mu.Lock()
	stopCh, done := l.stopCh, l.done
	l.stopCh, l.done = nil, nil
	l.mu.Unlock()
	if stopCh != nil {
		close(stopCh)
		<-done
	}
}

// wake asks for a pass.
func (l *watchLoop) wake() {
	select {
	case l.wakeCh <- struct{}{}:
	default:
	}
}

func (l *watchLoop) run(stopCh, leaderStop, done chan struct{}) {
	defer close(done)
	clock := l.srv.clock()
	for {
		ws := memdb.NewWatchSet()
		started := clock.Now()
		next, failed := l.pass(ws)
		now := clock.Now()
		if failed && (next.IsZero() || next.After(now.Add(l.retry))) {
			next = now.Add(l.retry)
		}
		var timerCh <-chan time.Time
		stopTimer := func() bool { return false }
		if !next.IsZero() {
			timerCh, stopTimer = clock.NewTimer(next.Sub(now))
		}
		ctx, cancel := context.WithCancel(context.Background())
		var watchCh <-chan error
		if len(ws) > 0 {
			watchCh = ws.WatchCh(ctx)
		}
		changed := false
		select {
		case <-stopCh:
		case <-leaderStop:
		case <-l.srv.shutdownCh:
		case <-l.wakeCh:
		case <-timerCh:
		case <-watchCh:
			changed = true
		}
		cancel()
		stopTimer()
		if changed && l.minInterval > 0 {
			if wait := started.Add(l.minInterval).Sub(clock.Now()); wait > 0 {
				pauseCh, stopPause := clock.NewTimer(wait)
				select {
				case <-stopCh:
				case <-leaderStop:
				case <-l.srv.shutdownCh:
				case <-l.wakeCh:
				case <-pauseCh:
				}
				stopPause()
			}
		}
		select {
		case <-stopCh:
			return
		case <-leaderStop:
			return
		case <-l.srv.shutdownCh:
			return
		default:
		}
	}
}
