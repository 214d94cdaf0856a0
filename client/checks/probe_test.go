package checks

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func fixedPort(addr string) PortResolver {
	return func(label string) (string, error) {
		if label != "http" {
			return "", &ErrNoPort{Label: label}
		}
		return addr, nil
	}
}

func TestHTTPCheckSendsTheRequestAndJudgesTheStatus(t *testing.T) {
	var status atomic.Int64
	status.Store(200)
	var gotMethod, gotHeader, gotBody, gotPath atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotMethod.Store(r.Method)
		gotHeader.Store(r.Header.Get("X-Probe"))
		gotBody.Store(string(b))
		gotPath.Store(r.URL.RequestURI())
		w.WriteHeader(int(status.Load()))
		_, _ = io.WriteString(w, "body-"+strings.Repeat("x", 2*MaxOutput))
	}))
	defer srv.Close()
	c := testCheck(&structs.ServiceCheck{Name: "health", Type: "http", Path: "/health?deep=1", Method: "POST",
		Header: map[string][]string{"X-Probe": {"yes"}}, Body: "ping"})
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort(srv.Listener.Addr().String())})

	if r := h.tr.Results()[c.ID]; r.Status != structs.CheckPending {
		t.Fatalf("before the first run the status is %q, want pending", r.Status)
	}
	r := h.start(c.ID)
	if r.Status != structs.CheckSuccess || r.StatusCode != 200 {
		t.Fatalf("200 answer: status %q code %d, want success 200 (output %q)", r.Status, r.StatusCode, r.Output)
	}
	if gotMethod.Load() != "POST" || gotHeader.Load() != "yes" || gotBody.Load() != "ping" || gotPath.Load() != "/health?deep=1" {
		t.Fatalf("request: method %v header %v body %v path %v", gotMethod.Load(), gotHeader.Load(), gotBody.Load(), gotPath.Load())
	}
	if len(r.Output) > MaxOutput || !strings.Contains(r.Output, "body-") {
		t.Fatalf("output is %d bytes (bound %d) or lacks the body: %.80q", len(r.Output), MaxOutput, r.Output)
	}
	if r.Mode != structs.CheckModeHealthiness || r.Service != "web" || r.Group != "g" || r.Check != "health" {
		t.Fatalf("result identity: %+v", r)
	}

	status.Store(503)
	if r := h.next(c.ID, 10*time.Second); r.Status != structs.CheckFailure || r.StatusCode != 503 {
		t.Fatalf("503 answer: status %q code %d, want failure 503", r.Status, r.StatusCode)
	}
	status.Store(204)
	if r := h.next(c.ID, 10*time.Second); r.Status != structs.CheckSuccess {
		t.Fatalf("204 answer: status %q, want success", r.Status)
	}
}

func TestHTTPCheckThresholds(t *testing.T) {
	var status atomic.Int64
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	c := testCheck(&structs.ServiceCheck{Name: "h", Type: "http", Path: "/", SuccessBeforePassing: 2, FailuresBeforeCritical: 2, InitialStatus: "critical"})
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort(srv.Listener.Addr().String())})
	if r := h.tr.Results()[c.ID]; r.Status != structs.CheckFailure {
		t.Fatalf("initial_status critical: status %q, want failure", r.Status)
	}
	steps := []struct {
		code int
		want string
	}{
		{200, structs.CheckFailure}, // one success of two needed
		{200, structs.CheckSuccess},
		{500, structs.CheckSuccess}, // one failure of two needed
		{200, structs.CheckSuccess}, // the failure run is broken
		{500, structs.CheckSuccess},
		{500, structs.CheckFailure},
	}
	for i, s := range steps {
		status.Store(int64(s.code))
		var r *structs.CheckQueryResult
		if i == 0 {
			r = h.start(c.ID)
		} else {
			r = h.next(c.ID, 10*time.Second)
		}
		if r.Status != s.want {
			t.Fatalf("step %d (%d): status %q, want %q", i, s.code, r.Status, s.want)
		}
	}
}

func TestHTTPCheckBoundedByTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := testCheck(&structs.ServiceCheck{Name: "slow", Type: "http", Path: "/", Timeout: 3 * time.Second})
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort(srv.Listener.Addr().String())})
	h.tr.Start()
	// The only armed timer is the run's timeout.
	waitFor(t, "the timeout timer", func() bool { return h.clock.Armed() == 1 })
	h.clock.Advance(3 * time.Second)
	r := h.waitRuns(c.ID, 1)
	if r.Status != structs.CheckFailure || !strings.Contains(r.Output, "timed out after 3s") {
		t.Fatalf("hanging check: status %q output %q, want a failure that says it timed out", r.Status, r.Output)
	}
}

func TestTCPCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()
	c := testCheck(&structs.ServiceCheck{Name: "tcp", Type: "tcp"})
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort(addr)})
	if r := h.start(c.ID); r.Status != structs.CheckSuccess {
		t.Fatalf("open port: status %q output %q, want success", r.Status, r.Output)
	}
	_ = ln.Close()
	if r := h.next(c.ID, 10*time.Second); r.Status != structs.CheckFailure || !strings.Contains(r.Output, addr) {
		t.Fatalf("closed port: status %q output %q, want a failure naming %s", r.Status, r.Output, addr)
	}
}

func TestGRPCCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_SERVING)

	c := testCheck(&structs.ServiceCheck{Name: "grpc", Type: "grpc", GRPCService: "api"})
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort(ln.Addr().String())})
	if r := h.start(c.ID); r.Status != structs.CheckSuccess {
		t.Fatalf("SERVING: status %q output %q, want success", r.Status, r.Output)
	}
	hs.SetServingStatus("api", healthpb.HealthCheckResponse_NOT_SERVING)
	if r := h.next(c.ID, 10*time.Second); r.Status != structs.CheckFailure || !strings.Contains(r.Output, "NOT_SERVING") {
		t.Fatalf("NOT_SERVING: status %q output %q, want failure", r.Status, r.Output)
	}
}

func TestScriptCheck(t *testing.T) {
	fe := &fakeExec{}
	c := testCheck(&structs.ServiceCheck{Name: "script", Type: "script", Command: "/bin/check", Args: []string{"-q"}})
	c.ExecTask = "api"
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Exec: fe.exec})
	fe.set(0, "all good")
	if r := h.start(c.ID); r.Status != structs.CheckSuccess || !strings.Contains(r.Output, "all good") {
		t.Fatalf("exit 0: status %q output %q, want success with the output", r.Status, r.Output)
	}
	fe.set(2, strings.Repeat("y", 3*MaxOutput))
	r := h.next(c.ID, 10*time.Second)
	if r.Status != structs.CheckFailure || len(r.Output) > MaxOutput || !strings.Contains(r.Output, "exit code 2") {
		t.Fatalf("exit 2: status %q output %d bytes %.40q, want a bounded failure", r.Status, len(r.Output), r.Output)
	}
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.tasks[0] != "api" || strings.Join(fe.calls[0], " ") != "/bin/check -q" {
		t.Fatalf("exec got task %q command %q", fe.tasks[0], fe.calls[0])
	}
}

func TestScriptCheckWithoutExecFails(t *testing.T) {
	c := testCheck(&structs.ServiceCheck{Name: "script", Type: "script", Command: "x"})
	c.ExecTask = "api"
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}})
	if r := h.start(c.ID); r.Status != structs.CheckFailure || !strings.Contains(r.Output, "exec") {
		t.Fatalf("status %q output %q", r.Status, r.Output)
	}
}

func TestCheckOnAMissingPortFails(t *testing.T) {
	c := testCheck(&structs.ServiceCheck{Name: "tcp", Type: "tcp"})
	c.PortLabel = "admin"
	h := newHarness(t, TrackerConfig{Checks: []*Check{c}, Ports: fixedPort("127.0.0.1:1")})
	if r := h.start(c.ID); r.Status != structs.CheckFailure || !strings.Contains(r.Output, `"admin"`) {
		t.Fatalf("status %q output %q, want a failure naming the port", r.Status, r.Output)
	}
}

func TestProbeHonoursCancel(t *testing.T) {
	// A script whose exec never returns on its own ends with its context.
	c := testCheck(&structs.ServiceCheck{Name: "s", Type: "script", Command: "x"})
	c.ExecTask = "t"
	p := newProber(c, nil, func(ctx context.Context, _ string, _ []string) (int, []byte, error) {
		<-ctx.Done()
		return 0, nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := p(ctx); r.ok {
		t.Fatal("a cancelled script passed")
	}
}
