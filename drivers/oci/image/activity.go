package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultActivityTimeout is how long a pull may wait on a registry that
// sends nothing before it gives up, when Config.ActivityTimeout is zero.
const DefaultActivityTimeout = 2 * time.Minute

// stalled is the cause a pull's context is cancelled with when the
// registry sent nothing for the activity timeout.
type stalled struct {
	registry string
	idle     time.Duration
}

func (e *stalled) Error() string {
	return fmt.Sprintf("registry %s sent nothing for %s", e.registry, e.idle)
}

func (e *stalled) Unwrap() error { return ErrStalled }

// watchdog cancels a pull that waits on the network for longer than idle
// without a byte arriving. Time spent between requests (verifying,
// writing to disk) does not count: the clock runs only while a request
// or a response body is open.
type watchdog struct {
	idle   time.Duration
	cancel context.CancelCauseFunc
	cause  error

	mu    sync.Mutex
	open  int // requests and bodies in flight
	last  time.Time
	timer *time.Timer
	done  bool
}

func newWatchdog(ctx context.Context, registry string, idle time.Duration) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{idle: idle, cancel: cancel, cause: &stalled{registry: registry, idle: idle}, last: time.Now()}
	w.timer = time.AfterFunc(idle, w.check)
	return ctx, w
}

// stop ends the watch and releases the context.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.done = true
	w.timer.Stop()
	w.mu.Unlock()
	w.cancel(nil)
}

func (w *watchdog) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	if quiet := time.Since(w.last); w.open > 0 && quiet >= w.idle {
		w.done = true
		w.cancel(w.cause)
		return
	} else if w.open > 0 {
		w.timer.Reset(w.idle - quiet)
		return
	}
	w.timer.Reset(w.idle)
}

// begin and end bracket a wait on the network; progress marks bytes
// arriving.
func (w *watchdog) begin() {
	w.mu.Lock()
	if w.open == 0 {
		w.last = time.Now()
	}
	w.open++
	w.mu.Unlock()
}

func (w *watchdog) end() {
	w.mu.Lock()
	w.open--
	w.last = time.Now()
	w.mu.Unlock()
}

func (w *watchdog) progress() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

// transport wraps next so that every request and response body is
// watched.
func (w *watchdog) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		w.begin()
		resp, err := next.RoundTrip(req)
		if err != nil || resp.Body == nil {
			w.end()
			return resp, err
		}
		w.progress()
		resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
		return resp, nil
	})
}

type watchedBody struct {
	io.ReadCloser
	w      *watchdog
	closed sync.Once
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.progress()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.closed.Do(b.w.end)
	return b.ReadCloser.Close()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
