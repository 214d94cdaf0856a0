package lb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// readHeaderTimeout bounds how long a client may take to send a request's
// headers; idleTimeout how long a kept-alive connection may wait for the
// next request.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// listener is one open port: an HTTP server routing to pools, or a TCP
// proxy to one pool.
type listener struct {
	m    *Manager
	port int
	mode string
	ln   net.Listener

	// HTTP mode.
	srv    *http.Server
	routes atomic.Pointer[[]route]

	// TCP mode.
	tcpPool atomic.Pointer[pool]
	connMu  sync.Mutex
	conns   map[net.Conn]struct{}
	connWG  sync.WaitGroup

	closeOnce sync.Once
	closed    atomic.Bool
}

// route sends the HTTP requests that match host (empty: any) and path
// prefix to a pool.
type route struct {
	host   string
	prefix string
	jobID  string
	pool   *pool
}

func newListener(m *Manager, port int, mode string, ln net.Listener) *listener {
	l := &listener{m: m, port: port, mode: mode, ln: ln, conns: map[net.Conn]struct{}{}}
	l.routes.Store(&[]route{})
	if mode == structs.LBModeTCP {
		go l.serveTCP()
		return l
	}
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          m.logger.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	go func() {
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !l.closed.Load() {
			m.logger.Error("load balancer port stopped serving", "port", port, "error", err)
		}
	}()
	return l
}

// route gives the listener the services of its port. HTTP routes are
// tried in order: a route naming a host before one that does not, then
// the longest path prefix, then by job ID; a service without route
// blocks takes every request.
func (l *listener) route(pp *portPlan, pools map[string]*pool) {
	if l.mode == structs.LBModeTCP {
		l.tcpPool.Store(pools[pp.services[0].key])
		return
	}
	var rs []route
	for _, sp := range pp.services {
		p := pools[sp.key]
		if len(sp.lb.Routes) == 0 {
			rs = append(rs, route{prefix: "/", jobID: sp.jobID, pool: p})
		}
		for _, r := range sp.lb.Routes {
			prefix := r.PathPrefix
			if prefix == "" {
				prefix = "/"
			}
			rs = append(rs, route{host: normalHost(r.Host), prefix: prefix, jobID: sp.jobID, pool: p})
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if (a.host != "") != (b.host != "") {
			return a.host != ""
		}
		if len(a.prefix) != len(b.prefix) {
			return len(a.prefix) > len(b.prefix)
		}
		if a.jobID != b.jobID {
			return a.jobID < b.jobID
		}
		return a.pool.service < b.pool.service
	})
	l.routes.Store(&rs)
}

// ServeHTTP hands the request to the first route that matches it.
func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := normalHost(r.Host)
	for _, rt := range *l.routes.Load() {
		if rt.host != "" && rt.host != host || !strings.HasPrefix(r.URL.Path, rt.prefix) {
			continue
		}
		rt.pool.proxy.ServeHTTP(w, r)
		return
	}
	http.Error(w, fmt.Sprintf("nomadish lb: no service on port %d routes host %q, path %q", l.port, host, r.URL.Path), http.StatusNotFound)
}

// normalHost is a Host header or route host without port, in lower case
// and without a trailing dot.
func normalHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// close stops taking connections at once and lets those in flight finish
// for the drain timeout, in the background.
func (l *listener) close() {
	l.closed.Store(true)
	l.ln.Close()
	go l.shutdown(l.m.cfg.DrainTimeout)
}

// shutdown closes the port, waits up to grace for what is in flight and
// cuts the rest.
func (l *listener) shutdown(grace time.Duration) {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		l.ln.Close()
		if l.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if l.srv.Shutdown(ctx) != nil {
				l.srv.Close()
			}
			return
		}
		done := make(chan struct{})
		go func() { l.connWG.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
			l.connMu.Lock()
			for c := range l.conns {
				c.Close()
			}
			l.connMu.Unlock()
		}
	})
}
