package lb

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// waitFor polls cond every few milliseconds for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// freePort is a loopback TCP port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// instance is a test HTTP instance that answers its name.
type instance struct {
	name string
	srv  *httptest.Server
	mu   sync.Mutex
	hits int
	// hold, when set, makes /hold requests wait until it is closed.
	hold chan struct{}
	// status, when set, is the status every request gets.
	status int
}

func newInstance(t *testing.T, name string) *instance {
	in := &instance{name: name}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.mu.Lock()
		in.hits++
		hold, status := in.hold, in.status
		in.mu.Unlock()
		if r.URL.Path == "/hold" && hold != nil {
			w.Header().Set("X-Instance", name)
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			w.WriteHeader(status)
		}
		fmt.Fprintf(w, "%s %s %s", name, r.Host, r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *instance) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.hits
}

func (in *instance) port() int { return in.srv.Listener.Addr().(*net.TCPAddr).Port }

// reg is a passing registration of service name (namespace default, job
// name) at 127.0.0.1:port.
func reg(name string, port int, lb *structs.ServiceLB) *structs.ServiceRegistration {
	return &structs.ServiceRegistration{
		ID: fmt.Sprintf("_nomad-task-%s-%d", name, port), ServiceName: name, Namespace: "default",
		JobID: name, AllocID: fmt.Sprintf("alloc-%d", port), Address: "127.0.0.1", Port: port,
		Health: structs.ServiceHealthPassing, LB: lb,
	}
}

func httpLB(listen int, routes ...*structs.ServiceLBRoute) *structs.ServiceLB {
	return &structs.ServiceLB{Listen: listen, Mode: structs.LBModeHTTP, Algorithm: structs.LBRoundRobin, Routes: routes}
}

func newManager(t *testing.T, cfg Config) *Manager {
	if cfg.BindAddr == "" {
		cfg.BindAddr = "127.0.0.1"
	}
	m := New(cfg)
	t.Cleanup(m.Close)
	return m
}

// get sends a request to the balancer and returns its status and body.
func get(t *testing.T, c *http.Client, method, url, host string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPRoundRobinIsEven(t *testing.T) {
	ins := []*instance{newInstance(t, "a"), newInstance(t, "b"), newInstance(t, "c")}
	listen := freePort(t)
	m := newManager(t, Config{})
	var regs []*structs.ServiceRegistration
	for _, in := range ins {
		regs = append(regs, reg("web", in.port(), httpLB(listen)))
	}
	m.Update(regs)
	url := "http://" + m.Addr(listen) + "/"
	for i := 0; i < 300; i++ {
		status, body := get(t, http.DefaultClient, "GET", url, "web.example", nil)
		if status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
		if i == 0 && !strings.Contains(body, " web.example 127.0.0.1") {
			t.Errorf("the instance saw %q; want the client's Host header and X-Forwarded-For", body)
		}
	}
	for _, in := range ins {
		if in.count() != 100 {
			t.Errorf("instance %s got %d of 300 requests; want 100", in.name, in.count())
		}
	}
}

func TestHTTPLeastConnAvoidsBusyInstance(t *testing.T) {
	a, b := newInstance(t, "a"), newInstance(t, "b")
	a.hold, b.hold = make(chan struct{}), make(chan struct{})
	defer close(a.hold)
	defer close(b.hold)
	listen := freePort(t)
	m := newManager(t, Config{})
	lb := httpLB(listen)
	lb.Algorithm = structs.LBLeastConn
	m.Update([]*structs.ServiceRegistration{reg("web", a.port(), lb), reg("web", b.port(), lb)})
	url := "http://" + m.Addr(listen)

	// One request held open on whichever instance takes it.
	resp, err := http.Get(url + "/hold")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	busy := resp.Header.Get("X-Instance")
	idle := map[string]string{"a": "b", "b": "a"}[busy]
	for i := 0; i < 10; i++ {
		_, body := get(t, http.DefaultClient, "GET", url+"/", "", nil)
		if !strings.HasPrefix(body, idle+" ") {
			t.Fatalf("request %d went to %q while %s serves a request and %s none", i, body, busy, idle)
		}
	}
}

func TestHTTPDrainFinishesInFlightThenCuts(t *testing.T) {
	a, b := newInstance(t, "a"), newInstance(t, "b")
	a.hold = make(chan struct{})
	listen := freePort(t)
	m := newManager(t, Config{DrainTimeout: time.Minute})
	m.Update([]*structs.ServiceRegistration{reg("web", a.port(), httpLB(listen))})
	url := "http://" + m.Addr(listen)

	resp, err := http.Get(url + "/hold")
	if err != nil {
		t.Fatal(err)
	}
	// a turns critical, b takes over.
	crit := reg("web", a.port(), httpLB(listen))
	crit.Health = structs.ServiceHealthCritical
	m.Update([]*structs.ServiceRegistration{crit, reg("web", b.port(), httpLB(listen))})
	for i := 0; i < 5; i++ {
		if _, body := get(t, http.DefaultClient, "GET", url+"/", "", nil); !strings.HasPrefix(body, "b ") {
			t.Fatalf("a new request went to %q while a drains", body)
		}
	}
	close(a.hold)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.HasPrefix(string(body), "a ") {
		t.Fatalf("the request in flight on the draining instance ended with %q, %v; want a's answer", body, err)
	}

	// A drain that outlasts its timeout is cut.
	m2 := newManager(t, Config{DrainTimeout: 20 * time.Millisecond})
	c := newInstance(t, "c")
	c.hold = make(chan struct{})
	defer close(c.hold)
	listen2 := freePort(t)
	m2.Update([]*structs.ServiceRegistration{reg("web", c.port(), httpLB(listen2))})
	resp, err = http.Get("http://" + m2.Addr(listen2) + "/hold")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m2.Update(nil)
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a request held past the drain timeout was not cut")
	}
}

func TestHTTPRetriesIdempotentOnce(t *testing.T) {
	alive := newInstance(t, "alive")
	dead := freePort(t)
	listen := freePort(t)
	m := newManager(t, Config{})
	m.Update([]*structs.ServiceRegistration{reg("web", alive.port(), httpLB(listen)), reg("web", dead, httpLB(listen))})
	url := "http://" + m.Addr(listen) + "/"
	for i := 0; i < 10; i++ {
		if status, body := get(t, http.DefaultClient, "GET", url, "", nil); status != 200 {
			t.Fatalf("GET %d with one dead instance: %d %s; want it retried on the live one", i, status, body)
		}
	}
	failed := 0
	for i := 0; i < 10; i++ {
		status, body := get(t, http.DefaultClient, "POST", url, "", strings.NewReader("x"))
		if status == http.StatusBadGateway {
			failed++
			if !strings.Contains(body, "127.0.0.1:"+strconv.Itoa(dead)) {
				t.Errorf("502 body %q does not name the instance", body)
			}
		}
	}
	if failed != 5 {
		t.Errorf("%d of 10 POSTs with a body failed; want the 5 sent to the dead instance, not retried", failed)
	}

	// A 503 answer is retried on another instance too.
	sick := newInstance(t, "sick")
	sick.status = http.StatusServiceUnavailable
	m.Update([]*structs.ServiceRegistration{reg("web", alive.port(), httpLB(listen)), reg("web", sick.port(), httpLB(listen))})
	for i := 0; i < 6; i++ {
		if status, body := get(t, http.DefaultClient, "GET", url, "", nil); status != 200 || !strings.HasPrefix(body, "alive") {
			t.Fatalf("GET %d: %d %q; want the 503 retried on alive", i, status, body)
		}
	}
	if sick.count() == 0 {
		t.Error("the sick instance got no request; the test proves nothing")
	}
}

func TestHTTPRoutesByHostAndPath(t *testing.T) {
	a, b, c := newInstance(t, "a"), newInstance(t, "b"), newInstance(t, "c")
	listen := freePort(t)
	m := newManager(t, Config{})
	m.Update([]*structs.ServiceRegistration{
		reg("svc-a", a.port(), httpLB(listen, &structs.ServiceLBRoute{Host: "A.example"})),
		reg("svc-b", b.port(), httpLB(listen, &structs.ServiceLBRoute{PathPrefix: "/b"}, &structs.ServiceLBRoute{PathPrefix: "/bee/long"})),
		reg("svc-c", c.port(), httpLB(listen)),
	})
	url := "http://" + m.Addr(listen)
	for _, tc := range []struct{ host, path, want string }{
		{"a.example:80", "/b/x", "a"}, // a host route beats a path route
		{"other", "/b/x", "b"},
		{"other", "/bee/long/y", "b"},
		{"other", "/", "c"},
		{"a.example.", "/", "a"},
	} {
		if _, body := get(t, http.DefaultClient, "GET", url+tc.path, tc.host, nil); !strings.HasPrefix(body, tc.want+" ") {
			t.Errorf("Host %s path %s went to %q; want %s", tc.host, tc.path, body, tc.want)
		}
	}

	m.Update([]*structs.ServiceRegistration{reg("svc-a", a.port(), httpLB(listen, &structs.ServiceLBRoute{Host: "a.example"}))})
	if status, body := get(t, http.DefaultClient, "GET", url+"/", "other", nil); status != 404 || !strings.Contains(body, `"other"`) {
		t.Errorf("a request no route takes: %d %q; want 404 naming the host", status, body)
	}
}

func TestHTTPNoPassingInstance(t *testing.T) {
	a := newInstance(t, "a")
	listen := freePort(t)
	m := newManager(t, Config{})
	crit := reg("web", a.port(), httpLB(listen))
	crit.Health = structs.ServiceHealthCritical
	pending := reg("web", freePort(t), httpLB(listen))
	pending.Health = structs.ServiceHealthPending
	m.Update([]*structs.ServiceRegistration{crit, pending})
	status, body := get(t, http.DefaultClient, "GET", "http://"+m.Addr(listen)+"/", "", nil)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "service default/web has no passing instance") {
		t.Fatalf("got %d %q; want 503 naming the service", status, body)
	}
	if a.count() != 0 {
		t.Fatalf("a critical instance got %d requests", a.count())
	}
}

// echoServer accepts connections, counts them and echoes each line back
// prefixed with its name, until the client half-closes.
func echoServer(t *testing.T, name string) (port int, conns func() int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			go func() {
				defer c.Close()
				s := bufio.NewScanner(c)
				for s.Scan() {
					fmt.Fprintf(c, "%s %s\n", name, s.Text())
				}
				fmt.Fprintf(c, "%s bye\n", name)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func tcpLB(listen int) *structs.ServiceLB {
	return &structs.ServiceLB{Listen: listen, Mode: structs.LBModeTCP, Algorithm: structs.LBRoundRobin}
}

func TestTCPBalancesAndHalfCloses(t *testing.T) {
	p1, n1 := echoServer(t, "one")
	p2, n2 := echoServer(t, "two")
	dead := freePort(t)
	listen := freePort(t)
	m := newManager(t, Config{})
	m.Update([]*structs.ServiceRegistration{reg("db", p1, tcpLB(listen)), reg("db", p2, tcpLB(listen)), reg("db", dead, tcpLB(listen))})
	for i := 0; i < 12; i++ {
		c, err := net.Dial("tcp", m.Addr(listen))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "hello %d\n", i)
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		c.Close()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err != nil || len(lines) != 2 || !strings.HasSuffix(lines[0], fmt.Sprintf(" hello %d", i)) || !strings.HasSuffix(lines[1], " bye") {
			t.Fatalf("connection %d got %q, %v; want the echo and, after the half close, bye", i, out, err)
		}
	}
	// A dial to the dead instance is retried on another, so each live
	// one takes its own third plus half of the dead one's.
	if n1() != 6 || n2() != 6 {
		t.Errorf("connections: one %d, two %d; want 6 each", n1(), n2())
	}
}

func TestTCPDrainCutsAfterTimeout(t *testing.T) {
	p1, _ := echoServer(t, "one")
	listen := freePort(t)
	m := newManager(t, Config{DrainTimeout: 20 * time.Millisecond})
	m.Update([]*structs.ServiceRegistration{reg("db", p1, tcpLB(listen))})
	c, err := net.Dial("tcp", m.Addr(listen))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "hi\n")
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "one hi\n" {
		t.Fatalf("echo: %q %v", line, err)
	}
	crit := reg("db", p1, tcpLB(listen))
	crit.Health = structs.ServiceHealthCritical
	m.Update([]*structs.ServiceRegistration{crit})
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.ReadString('\n'); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("the connection to a drained instance was not cut: %v", err)
	}
}

func TestPortConflicts(t *testing.T) {
	a := newInstance(t, "a")
	p1, _ := echoServer(t, "one")
	p2, _ := echoServer(t, "two")
	listen := freePort(t)
	m := newManager(t, Config{})
	httpReg := reg("web", a.port(), httpLB(listen))
	httpReg.JobID = "a-job"
	tcpReg := reg("db", p1, tcpLB(listen))
	tcpReg.JobID = "b-job"
	m.Update([]*structs.ServiceRegistration{tcpReg, httpReg})
	if status, body := get(t, http.DefaultClient, "GET", "http://"+m.Addr(listen)+"/", "", nil); status != 200 || !strings.HasPrefix(body, "a ") {
		t.Fatalf("the port serves %d %q; want the HTTP service of the first job", status, body)
	}
	m.mu.Lock()
	why := m.conflicts["default/db"]
	m.mu.Unlock()
	if !strings.Contains(why, "http mode for service default/web") {
		t.Errorf("conflict reason %q", why)
	}

	// Two TCP services: the first by job ID takes the port.
	other := reg("cache", p2, tcpLB(listen))
	other.JobID = "a-job"
	m.Update([]*structs.ServiceRegistration{tcpReg, other})
	c, err := net.Dial("tcp", m.Addr(listen))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "x\n")
	if line, _ := bufio.NewReader(c).ReadString('\n'); line != "two x\n" {
		t.Fatalf("the TCP port answered %q; want service cache (job a-job)", line)
	}
}

func TestBindIsRetried(t *testing.T) {
	a := newInstance(t, "a")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := taken.Addr().(*net.TCPAddr).Port
	m := newManager(t, Config{BindRetry: 10 * time.Millisecond})
	m.Update([]*structs.ServiceRegistration{reg("web", a.port(), httpLB(listen))})
	if addr := m.Addr(listen); addr != "" {
		t.Fatalf("port %d is taken yet served at %s", listen, addr)
	}
	taken.Close()
	waitFor(t, "the freed port to be opened", func() bool { return m.Addr(listen) != "" })
	if status, _ := get(t, http.DefaultClient, "GET", "http://"+m.Addr(listen)+"/", "", nil); status != 200 {
		t.Fatalf("status %d", status)
	}
}

// chanSource answers each Balanced call with the next set sent on it.
type chanSource struct {
	sets chan []*structs.ServiceRegistration
}

func (s *chanSource) Balanced(ctx context.Context, index uint64) ([]*structs.ServiceRegistration, uint64, error) {
	select {
	case regs := <-s.sets:
		return regs, index + 1, nil
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

func TestRunFollowsSource(t *testing.T) {
	a := newInstance(t, "a")
	listen := freePort(t)
	src := &chanSource{sets: make(chan []*structs.ServiceRegistration)}
	m := newManager(t, Config{Source: src})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	src.sets <- []*structs.ServiceRegistration{reg("web", a.port(), httpLB(listen))}
	waitFor(t, "the port to open", func() bool { return m.Addr(listen) != "" })
	src.sets <- nil
	waitFor(t, "the port to close", func() bool { return m.Addr(listen) == "" })
	waitFor(t, "the port to refuse connections", func() bool {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(listen)))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

func TestHTTPUpgradePassesThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want Upgrade: echo", http.StatusBadRequest)
			return
		}
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo " + line)
		rw.Flush()
	}))
	defer srv.Close()
	listen := freePort(t)
	m := newManager(t, Config{})
	m.Update([]*structs.ServiceRegistration{reg("ws", srv.Listener.Addr().(*net.TCPAddr).Port, httpLB(listen))})
	c, err := net.Dial("tcp", m.Addr(listen))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answered %v, %v; want 101", resp, err)
	}
	fmt.Fprintf(c, "ping\n")
	if line, err := r.ReadString('\n'); err != nil || line != "echo ping\n" {
		t.Fatalf("after the upgrade got %q, %v", line, err)
	}
}
