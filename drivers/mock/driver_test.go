package mock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// fakeClock fires After channels only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex // guards the fields below
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// waiting is how many timers are pending.
func (c *fakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// awaitTimers waits (bounded) until n timers are pending, i.e. the
// driver's goroutines have reached the point where time matters.
func awaitTimers(t *testing.T, c *fakeClock, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d timers, have %d", n, c.waiting())
		}
		time.Sleep(time.Millisecond)
	}
}

func newTestTask(t *testing.T, id string, conf map[string]any) *plugin.TaskConfig {
	dir := t.TempDir()
	cfg := &plugin.TaskConfig{
		ID:         id,
		Name:       id,
		StdoutPath: filepath.Join(dir, "stdout"),
		StderrPath: filepath.Join(dir, "stderr"),
	}
	driverConfig(t, cfg, conf)
	return cfg
}

func exited(t *testing.T, d *Driver, id string) *plugin.ExitResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := d.WaitTask(ctx, id)
	if err != nil {
		t.Fatalf("WaitTask: %v", err)
	}
	return r
}

func TestRunForUsesTheClock(t *testing.T) {
	clock := newFakeClock()
	d := New(Config{Clock: clock})
	cfg := newTestTask(t, "t1", map[string]any{"run_for": "30s", "exit_code": 7})
	if _, err := d.StartTask(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	awaitTimers(t, clock, 1)
	clock.Advance(29 * time.Second)
	if st, _ := d.InspectTask(context.Background(), "t1"); st.State != plugin.TaskStateRunning {
		t.Fatalf("state after 29s = %v, want running", st.State)
	}
	clock.Advance(time.Second)
	if r := exited(t, d, "t1"); r.ExitCode != 7 {
		t.Fatalf("exit = %+v, want code 7", r)
	}
	st, _ := d.InspectTask(context.Background(), "t1")
	if got := st.CompletedAt.Sub(st.StartedAt); got != 30*time.Second {
		t.Fatalf("ran for %s, want 30s", got)
	}
}

func TestKillAfterHonouredWithinStopTimeout(t *testing.T) {
	clock := newFakeClock()
	d := New(Config{Clock: clock})
	cfg := newTestTask(t, "t1", map[string]any{"run_for": "1h", "kill_after": "5s"})
	if _, err := d.StartTask(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	awaitTimers(t, clock, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- d.StopTask(context.Background(), "t1", 10*time.Second, "SIGINT") }()
	awaitTimers(t, clock, 3) // run_for, kill_after, stop timeout
	clock.Advance(5 * time.Second)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if r := exited(t, d, "t1"); r.Signal != int(syscall.SIGINT) {
		t.Fatalf("exit = %+v, want the stop signal SIGINT, not a kill", r)
	}
}

func TestStdoutRepeat(t *testing.T) {
	clock := newFakeClock()
	d := New(Config{Clock: clock})
	cfg := newTestTask(t, "t1", map[string]any{
		"run_for": "1h", "stdout_string": "x", "stdout_repeat": 2, "stdout_repeat_duration": "1s",
	})
	if _, err := d.StartTask(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		awaitTimers(t, clock, 2) // run_for and the next repeat
		clock.Advance(time.Second)
	}
	if err := d.StopTask(context.Background(), "t1", time.Second, ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.StdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "xxx" {
		t.Fatalf("stdout = %q, want the string once and then repeated twice", b)
	}
}

func TestStartError(t *testing.T) {
	d := New(Config{})
	cfg := newTestTask(t, "t1", map[string]any{"start_error": "no luck", "start_error_recoverable": true})
	_, err := d.StartTask(context.Background(), cfg)
	if err == nil || !plugin.IsRecoverable(err) {
		t.Fatalf("err = %v, want a recoverable start error", err)
	}
	cfg = newTestTask(t, "t2", map[string]any{"start_error": "never"})
	if _, err := d.StartTask(context.Background(), cfg); err == nil || plugin.IsRecoverable(err) {
		t.Fatalf("err = %v, want a fatal start error", err)
	}
	cfg = newTestTask(t, "t3", map[string]any{"run_for": "soon"})
	if _, err := d.StartTask(context.Background(), cfg); err == nil {
		t.Fatal("a bad run_for was accepted")
	}
}

func TestRecoverFromAnotherProcessIsNotFound(t *testing.T) {
	d1, d2 := New(Config{}), New(Config{})
	cfg := newTestTask(t, "t1", map[string]any{"run_for": "1h"})
	h, err := d1.StartTask(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.DestroyTask(context.Background(), "t1", true)
	if err := d1.RecoverTask(context.Background(), h); err != nil {
		t.Fatalf("recover in the same process: %v", err)
	}
	if err := d2.RecoverTask(context.Background(), h); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("recover in another process = %v, want ErrTaskNotFound", err)
	}
}
