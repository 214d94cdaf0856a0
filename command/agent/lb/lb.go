// Package lb is the client agent's built-in load balancer (a nomadish
// addition): every service with an lb block is answered on its listen
// port of every client node, HTTP requests (routed by Host and path
// prefix) or TCP connections balanced over the service's passing
// instances. An instance that turns critical or stops takes no new work
// and keeps what it serves for the drain timeout.
//
// The Manager follows the servers' services table through a Source and
// keeps one listener per port and one pool of instances per service.
package lb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Defaults of the Config fields left zero.
const (
	DefaultDrainTimeout = 30 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	DefaultBindRetry    = 5 * time.Second
	// shutdownGrace bounds how long Close waits for requests in flight.
	shutdownGrace = 2 * time.Second
	// The back-off after a failed query of the services table.
	minBackoff = 500 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Source is the services table: every registration whose service has an
// lb block.
type Source interface {
	// Balanced returns the registrations once the table's index passes
	// index (at once for 0), and that index. It may return early with
	// the same index; it is asked again.
	Balanced(ctx context.Context, index uint64) ([]*structs.ServiceRegistration, uint64, error)
}

// Config configures a Manager.
type Config struct {
	// BindAddr is the address (an IP, or "" / "0.0.0.0" for every
	// interface) each listen port is opened on.
	BindAddr string
	Source   Source
	Logger   hclog.Logger
	// DrainTimeout is how long an instance that left the passing set
	// keeps the requests and connections it serves (default 30s).
	DrainTimeout time.Duration
	// DialTimeout bounds a connection to an instance (default 5s).
	DialTimeout time.Duration
	// BindRetry is the wait before a port that could not be opened is
	// tried again (default 5s).
	BindRetry time.Duration
}

// Manager runs the listeners and pools the registrations ask for.
type Manager struct {
	cfg    Config
	logger hclog.Logger
	dialer *net.Dialer
	// transport is the HTTP connection pool every service shares.
	transport *http.Transport

	mu        sync.Mutex
	closed    bool
	pools     map[string]*pool  // by "namespace/name"
	listeners map[int]*listener // by port
	// conflicts are the services left out, by "namespace/name", with
	// the reason: each is logged once.
	conflicts map[string]string
	// want is the last plan, kept to open again the ports that could
	// not be opened.
	want map[int]*portPlan
	// bindFailed holds the ports whose last open failed, with the
	// error: a failure is logged as an error once, then at debug.
	bindFailed map[int]string

	retryStop chan struct{}
}

// New returns a Manager; Run (or Update) gives it work.
func New(cfg Config) *Manager {
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.BindRetry <= 0 {
		cfg.BindRetry = DefaultBindRetry
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	m := &Manager{
		cfg:        cfg,
		logger:     cfg.Logger,
		dialer:     &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second},
		pools:      map[string]*pool{},
		listeners:  map[int]*listener{},
		conflicts:  map[string]string{},
		want:       map[int]*portPlan{},
		bindFailed: map[int]string{},
		retryStop:  make(chan struct{}),
	}
	m.transport = m.newTransport()
	go m.retryBinds()
	return m
}

// Run follows the Source until ctx ends, applying each answer.
func (m *Manager) Run(ctx context.Context) {
	var index uint64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		regs, got, err := m.cfg.Source.Balanced(ctx, index)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			m.logger.Warn("cannot read the services table; balancing over the instances known", "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if got < index {
			got = 0 // the table was restored from a snapshot: read it whole
		}
		index = got
		m.Update(regs)
	}
}

// portPlan is what one port serves.
type portPlan struct {
	port     int
	mode     string
	services []*servicePlan
}

// servicePlan is one service's part of a port.
type servicePlan struct {
	key     string // "namespace/name"
	jobID   string
	lb      *structs.ServiceLB
	passing []*structs.ServiceRegistration
}

// Update makes regs, every registration of balanced services, what is
// served: ports are opened and closed, pools follow the passing
// instances.
func (m *Manager) Update(regs []*structs.ServiceRegistration) {
	plan := m.plan(regs)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.want = plan
	for port := range m.bindFailed {
		if plan[port] == nil {
			delete(m.bindFailed, port)
		}
	}
	used := map[string]bool{}
	for _, pp := range plan {
		for _, sp := range pp.services {
			used[sp.key] = true
			p := m.pools[sp.key]
			if p == nil {
				p = newPool(sp.key)
				p.proxy = m.newProxy(p, m.transport)
				m.pools[sp.key] = p
			}
			p.set(sp.lb.Algorithm, sp.passing, m.cfg.DrainTimeout)
		}
	}
	for port, l := range m.listeners {
		if pp := plan[port]; pp == nil || pp.mode != l.mode {
			m.logger.Info("load balancer port closed", "port", port)
			l.close()
			delete(m.listeners, port)
		}
	}
	for key, p := range m.pools {
		if !used[key] {
			// Its port closed above; connections still open on it
			// end with the pool.
			p.close()
			delete(m.pools, key)
		}
	}
	m.applyLocked()
}

// applyLocked opens the ports of the plan that are not open and hands
// each listener its services.
func (m *Manager) applyLocked() {
	for port, pp := range m.want {
		l := m.listeners[port]
		if l == nil {
			var err error
			if l, err = m.listen(pp); err != nil {
				log := m.logger.Error
				if m.bindFailed[port] == err.Error() {
					log = m.logger.Debug
				}
				m.bindFailed[port] = err.Error()
				log("cannot open a load balancer port; trying again", "port", port,
					"services", pp.names(), "error", err, "retry_in", m.cfg.BindRetry)
				continue
			}
			delete(m.bindFailed, port)
			m.listeners[port] = l
			m.logger.Info("load balancer port opened", "address", l.ln.Addr().String(), "mode", pp.mode, "services", pp.names())
		}
		l.route(pp, m.pools)
	}
}

// retryBinds opens again, every BindRetry, the ports that could not be
// opened.
func (m *Manager) retryBinds() {
	t := time.NewTicker(m.cfg.BindRetry)
	defer t.Stop()
	for {
		select {
		case <-m.retryStop:
			return
		case <-t.C:
		}
		m.mu.Lock()
		if !m.closed && len(m.listeners) < len(m.want) {
			m.applyLocked()
		}
		m.mu.Unlock()
	}
}

func (m *Manager) listen(pp *portPlan) (*listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(m.cfg.BindAddr, strconv.Itoa(pp.port)))
	if err != nil {
		return nil, err
	}
	return newListener(m, pp.port, pp.mode, ln), nil
}

// plan groups regs by listen port and service. Each service takes the
// lb block of its most recently registered instance (the newest job
// version during a rollout). On a port, the first service by job ID,
// namespace and name decides the mode; a service of the other mode, or
// a second service on a TCP port, is left out and logged.
func (m *Manager) plan(regs []*structs.ServiceRegistration) map[int]*portPlan {
	byService := map[string]*servicePlan{}
	newest := map[string]uint64{}
	for _, r := range regs {
		if r == nil || r.LB == nil {
			continue
		}
		key := r.Namespace + "/" + r.ServiceName
		sp := byService[key]
		if sp == nil {
			sp = &servicePlan{key: key, jobID: r.JobID}
			byService[key] = sp
		}
		if sp.lb == nil || r.ModifyIndex > newest[key] {
			lb := r.LB.Copy()
			lb.Canonicalize()
			sp.lb, sp.jobID, newest[key] = lb, r.JobID, r.ModifyIndex
		}
		if r.Health == "" || r.Health == structs.ServiceHealthPassing {
			sp.passing = append(sp.passing, r)
		}
	}
	services := make([]*servicePlan, 0, len(byService))
	for _, sp := range byService {
		services = append(services, sp)
	}
	sort.Slice(services, func(i, j int) bool {
		a, b := services[i], services[j]
		if a.jobID != b.jobID {
			return a.jobID < b.jobID
		}
		return a.key < b.key
	})

	plan := map[int]*portPlan{}
	conflicts := map[string]string{}
	for _, sp := range services {
		pp := plan[sp.lb.Listen]
		switch {
		case pp == nil:
			plan[sp.lb.Listen] = &portPlan{port: sp.lb.Listen, mode: sp.lb.Mode, services: []*servicePlan{sp}}
		case pp.mode != sp.lb.Mode:
			conflicts[sp.key] = fmt.Sprintf("port %d is balanced in %s mode for service %s; this service asks for %s",
				sp.lb.Listen, pp.mode, pp.services[0].key, sp.lb.Mode)
		case pp.mode == structs.LBModeTCP:
			conflicts[sp.key] = fmt.Sprintf("TCP port %d is taken by service %s; a TCP port balances one service",
				sp.lb.Listen, pp.services[0].key)
		default:
			pp.services = append(pp.services, sp)
		}
	}
	m.mu.Lock()
	for key, why := range conflicts {
		if m.conflicts[key] != why {
			m.logger.Error("service not load balanced", "service", key, "reason", why)
		}
	}
	m.conflicts = conflicts
	m.mu.Unlock()
	return plan
}

func (pp *portPlan) names() []string {
	out := make([]string, len(pp.services))
	for i, sp := range pp.services {
		out[i] = sp.key
	}
	return out
}

// Addr is the address port is served on, or "" when it is not open.
func (m *Manager) Addr(port int) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l := m.listeners[port]; l != nil {
		return l.ln.Addr().String()
	}
	return ""
}

// Close closes every port, gives requests in flight a moment to finish
// and cuts what is left. Run should be stopped by its context.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	close(m.retryStop)
	listeners := m.listeners
	pools := m.pools
	m.listeners, m.pools, m.want = map[int]*listener{}, map[string]*pool{}, nil
	m.mu.Unlock()

	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.shutdown(shutdownGrace)
		}()
	}
	wg.Wait()
	for _, p := range pools {
		p.close()
	}
	m.transport.CloseIdleConnections()
}

// instanceAddr is the host:port a registration is reached at.
func instanceAddr(r *structs.ServiceRegistration) string {
	return net.JoinHostPort(r.Address, strconv.Itoa(r.Port))
}
