//go:build e2e

package e2e

import (
	"testing"
	"time"
)

// poll calls cond every interval until it reports true or timeout passes.
// It returns whether cond succeeded, cond's last message and how long it
// took. cond's message says what it saw, so that a timeout explains itself.
func poll(timeout, interval time.Duration, cond func() (bool, string)) (ok bool, last string, took time.Duration) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		ok, last = cond()
		if ok {
			return true, last, time.Since(start)
		}
		if time.Now().After(deadline) {
			return false, last, time.Since(start)
		}
		time.Sleep(interval)
	}
}

// waitFor polls cond (see poll) and fails the test with cond's last message
// when timeout passes first. It returns how long the wait took.
func waitFor(t testing.TB, timeout, interval time.Duration, cond func() (bool, string)) time.Duration {
	t.Helper()
	ok, last, took := poll(timeout, interval, cond)
	if !ok {
		t.Fatalf("gave up after %s: %s", took.Round(time.Millisecond), last)
	}
	return took
}
