package docker

import (
	"io"
	"net"
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

// An engine that goes away under a running task is a task event quoting
// the engine's error, not a silent loss; when it answers again the driver
// goes on watching the same container, which then stops and exits as
// usual.
func TestEngineGoneMidTask(t *testing.T) {
	needEngine(t)
	proxy := newEngineProxy(t)
	d := newDriver(t, map[string]any{"endpoint": "unix://" + proxy.path})
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := taskConfigIn(t, t.TempDir(), "engine-gone", "gone")
	taskbin(t, cfg, nil, "wait")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	defer d.DestroyTask(testCtx(t), cfg.ID, true)

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
	if err := d.StopTask(testCtx(t), cfg.ID, 5*time.Second, "SIGTERM"); err != nil {
		t.Fatalf("StopTask once the engine is back: %v", err)
	}
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil || r.ExitCode != 0 || r.Err != "" {
		t.Fatalf("exit once the engine is back: %+v, %v; want the container's own clean exit", r, err)
	}
}
