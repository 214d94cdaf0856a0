package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// engineProxy forwards a Unix socket to the engine's, and can cut every
// connection and refuse new ones, as an engine that went away does.
type engineProxy struct {
	path string
	l    net.Listener

	mu    sync.Mutex // guards the fields below
	down  bool
	conns []net.Conn
}

func newEngineProxy(t *testing.T) *engineProxy {
	t.Helper()
	p := &engineProxy{path: filepath.Join(t.TempDir(), "docker.sock")}
	l, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.l = l
	t.Cleanup(func() { l.Close(); p.cut() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			e, err := net.Dial("unix", "/var/run/docker.sock")
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, e)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(e, c); e.Close() }()
			go func() { _, _ = io.Copy(c, e); c.Close() }()
		}
	}()
	return p
}

// cut closes every forwarded connection; with down set, new ones are
// refused until restore.
func (p *engineProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *engineProxy) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.cut()
	}
}

// holds says whether the file at path holds want (a real container's
// output, so there is no event to wait on but the file itself).
func holds(path, want string) func() bool {
	return func() bool {
		b, _ := os.ReadFile(path)
		return strings.Contains(string(b), want)
	}
}

// An engine that goes away under a running task is a task event quoting
// the engine's error, not a silent loss; when it answers again the driver
// goes on watching the same container, which then stops and exits as
// usual.
//
// The task ignores SIGTERM and says so once it does ("ignoring"); the test
// waits for that before anything is signalled: taskbin is the container's
// PID 1, and a SIGTERM that beats its handler makes the Go runtime exit 2.
// The stop is then a SIGTERM the task ignores and the SIGKILL after it.
func TestEngineGoneMidTask(t *testing.T) {
	needEngine(t)
	proxy := newEngineProxy(t)
	d := newDriver(t, map[string]any{"endpoint": "unix://" + proxy.path})
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := taskConfigIn(t, t.TempDir(), "engine-gone", "gone")
	taskbin(t, cfg, nil, "ignore")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	defer d.DestroyTask(testCtx(t), cfg.ID, true)
	waitUntil(t, 30*time.Second, "the task to print ignoring", holds(cfg.StdoutPath, "ignoring"))

	proxy.setDown(true)
	deadline := time.After(30 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-events:
			got = ev.TaskID == cfg.ID && strings.Contains(ev.Message, "The Docker engine does not answer")
		case <-deadline:
			t.Fatal("no task event saying the engine does not answer")
		}
	}
	if st, err := d.InspectTask(testCtx(t), cfg.ID); err != nil || st.ExitResult != nil {
		t.Fatalf("while the engine is away the task is %+v, %v; want it still held, not exited", st, err)
	}

	proxy.setDown(false)
	if err := d.StopTask(testCtx(t), cfg.ID, time.Second, "SIGTERM"); err != nil {
		t.Fatalf("StopTask once the engine is back: %v", err)
	}
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil || r.ExitCode != 137 || r.Signal != 9 || r.Err != "" {
		t.Fatalf("exit once the engine is back: %+v, %v; want the container's own exit by SIGKILL (137, signal 9)", r, err)
	}
}

// waitUntil polls cond until it holds, at most d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The engine-unavailable retry budget is per outage: two outages in a row,
// each shorter than the budget but longer than it together, leave the task
// running; a call the engine answers in between starts the budget afresh.
func TestEngineOutagesEachGetTheBudget(t *testing.T) {
	needEngine(t)
	proxy := newEngineProxy(t)
	d := New(Config{EngineRetries: 4, EngineRetryDelay: 200 * time.Millisecond})
	b, _ := json.Marshal(map[string]any{"endpoint": "unix://" + proxy.path})
	if err := d.SetConfig(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	cfg := taskConfigIn(t, t.TempDir(), "engine-outages", "outages")
	taskbin(t, cfg, nil, "ignore")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	defer d.DestroyTask(testCtx(t), cfg.ID, true)
	waitUntil(t, 30*time.Second, "the task to print ignoring", holds(cfg.StdoutPath, "ignoring"))
	tk, err := d.tasks.Get(cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for outage := 1; outage <= 2; outage++ {
		proxy.setDown(true)
		// 3 failures each: 6 in all, more than the budget of 4.
		waitUntil(t, 30*time.Second, fmt.Sprintf("outage %d: 3 failed engine calls", outage), func() bool { return tk.outageFailures() >= 3 })
		proxy.setDown(false)
		waitUntil(t, 30*time.Second, fmt.Sprintf("outage %d: the engine answers again", outage), func() bool { return tk.outageFailures() == 0 })
		if st, err := d.InspectTask(testCtx(t), cfg.ID); err != nil || st.ExitResult != nil {
			t.Fatalf("after outage %d the task is %+v, %v; want it still running", outage, st.ExitResult, err)
		}
	}
	if err := d.StopTask(testCtx(t), cfg.ID, time.Second, "SIGTERM"); err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil || r.ExitCode != 137 || r.Err != "" {
		t.Fatalf("exit = %+v, %v; want the container's own exit by SIGKILL, not a lost task", r, err)
	}
}
