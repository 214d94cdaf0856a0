package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"

	"github.com/nomadish/nomadish/nomadish/panics"
)

// The agent's DNS server answers NAME.service.nomad and its tag and
// datacenter forms from the services table (see dns_answer.go for the
// names and records, website/services.md "DNS" for the user's view). It is
// authoritative for nomad. only: it never recurses or forwards, and it
// keeps no cache, so an answer is never older than the services table
// plus the TTL it carries.

// DNS server bounds.
const (
	// DNSDomain is the zone the agent answers for.
	DNSDomain = "nomad."
	// DNSTTL is the TTL of every record answered, negative answers
	// included (the SOA's minimum): short, so that an instance that
	// stops or fails its checks leaves resolvers' caches within seconds.
	DNSTTL = 5 * time.Second
	// dnsQueryTimeout bounds the server lookup behind one query; past it
	// the query is answered SERVFAIL.
	dnsQueryTimeout = 2 * time.Second
	// dnsMaxInflight bounds the lookups in flight at once, those that
	// timed out included; a query over the bound is answered SERVFAIL
	// at once rather than queued.
	dnsMaxInflight = 256
	// dnsReadTimeout bounds how long a TCP connection may take to send
	// a query, and dnsMaxTCPQueries how many it may send.
	dnsReadTimeout   = 5 * time.Second
	dnsMaxTCPQueries = 128
)

// Errors a lookup may end with; both answer SERVFAIL.
var (
	// ErrDNSTimeout is a server lookup that took longer than the
	// per-query timeout.
	ErrDNSTimeout = errors.New("dns: service lookup timed out")
	// ErrDNSBusy is a query refused because too many lookups are in
	// flight.
	ErrDNSBusy = errors.New("dns: too many lookups in flight")
)

// dnsBackend is what the DNS server needs of the agent: the RPC to the
// services table (a server in process, or a client forwarding to one).
type dnsBackend interface {
	RPC(method string, args, reply interface{}) error
}

// dnsConfig configures a DNSServer.
type dnsConfig struct {
	// Addr is the host:port to listen on, UDP and TCP; port 0 picks a
	// free port (the same for both).
	Addr    string
	Backend dnsBackend
	// Region is the region whose services are answered.
	Region string
	Logger hclog.Logger
	// Timeout is the per-query lookup timeout; 0 is dnsQueryTimeout.
	Timeout time.Duration
}

// DNSServer answers DNS queries over UDP and TCP on one port.
type DNSServer struct {
	backend dnsBackend
	region  string
	logger  hclog.Logger
	timeout time.Duration
	// inflight holds a token per server lookup in flight.
	inflight chan struct{}

	pc  net.PacketConn
	ln  net.Listener
	udp *dns.Server
	tcp *dns.Server
}

// newDNSServer listens on cfg.Addr (UDP and TCP) and starts serving.
func newDNSServer(cfg dnsConfig) (*DNSServer, error) {
	d := &DNSServer{
		backend:  cfg.Backend,
		region:   cfg.Region,
		logger:   cfg.Logger,
		timeout:  cfg.Timeout,
		inflight: make(chan struct{}, dnsMaxInflight),
	}
	if d.logger == nil {
		d.logger = hclog.NewNullLogger()
	}
	if d.timeout <= 0 {
		d.timeout = dnsQueryTimeout
	}
	var err error
	if d.pc, d.ln, err = listenDNS(cfg.Addr); err != nil {
		return nil, err
	}
	d.udp = &dns.Server{PacketConn: d.pc, Handler: d, ReadTimeout: dnsReadTimeout, WriteTimeout: dnsReadTimeout}
	d.tcp = &dns.Server{Listener: d.ln, Handler: d, ReadTimeout: dnsReadTimeout, WriteTimeout: dnsReadTimeout,
		MaxTCPQueries: dnsMaxTCPQueries, IdleTimeout: func() time.Duration { return dnsReadTimeout }}
	if err := d.serve(); err != nil {
		d.Shutdown()
		return nil, err
	}
	return d, nil
}

// listenDNS opens the UDP socket and the TCP listener on the same port.
// With port 0 the UDP port is picked first; if TCP cannot have the same
// one, a few other picks are tried.
func listenDNS(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dns: listen address %q: %w", addr, err)
	}
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, fmt.Errorf("dns: listen udp %s: %w", addr, err)
		}
		got := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, got))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || attempt >= 4 {
			return nil, nil, fmt.Errorf("dns: listen tcp %s: %w", net.JoinHostPort(host, got), err)
		}
	}
}

// serve starts the UDP and TCP servers and waits (bounded) until both
// run, so that Shutdown finds them started.
func (d *DNSServer) serve() error {
	started := make(chan struct{}, 2)
	failed := make(chan error, 2)
	for _, s := range []*dns.Server{d.udp, d.tcp} {
		s := s
		s.NotifyStartedFunc = func() { started <- struct{}{} }
		go func() {
			if err := s.ActivateAndServe(); err != nil {
				failed <- err
			}
		}()
	}
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for n := 0; n < 2; {
		select {
		case <-started:
			n++
		case err := <-failed:
			return fmt.Errorf("dns: serve: %w", err)
		case <-deadline.C:
			return errors.New("dns: the UDP and TCP servers did not start within 5s")
		}
	}
	return nil
}

// Addr is the address the server listens on (UDP and TCP).
func (d *DNSServer) Addr() string { return d.pc.LocalAddr().String() }

// Shutdown stops both servers; queries being answered get a moment to
// finish.
func (d *DNSServer) Shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, s := range []*dns.Server{d.udp, d.tcp} {
		if s == nil {
			continue
		}
		if err := s.ShutdownContext(ctx); err != nil && err.Error() != "dns: server not started" {
			errs = append(errs, err)
		}
	}
	// A server that never started leaves its socket open.
	d.pc.Close()
	d.ln.Close()
	return errors.Join(errs...)
}

// ServeDNS answers one query. UDP answers are cut to the client's EDNS0
// size (512 bytes without EDNS0) with TC set, so that the client asks
// again over TCP, which gets everything up to the 64 KiB a message holds.
func (d *DNSServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	defer func() {
		if p := recover(); p != nil {
			panics.Recovered(d.logger, "dns", questionString(req), p)
			m := new(dns.Msg)
			m.SetRcode(req, dns.RcodeServerFailure)
			w.WriteMsg(m)
		}
	}()
	m := d.answer(req)
	size := dns.MaxMsgSize
	if _, tcp := w.RemoteAddr().(*net.TCPAddr); !tcp {
		size = dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > size {
			size = int(opt.UDPSize())
		}
	}
	m.Truncate(size)
	if err := w.WriteMsg(m); err != nil {
		d.logger.Debug("writing a dns answer failed", "question", questionString(req), "error", err)
	}
}

// rpc calls the backend with the per-query timeout and the in-flight
// bound. On a timeout the call goes on in its goroutine, holding its
// in-flight token, and its reply is never read.
func (d *DNSServer) rpc(method string, args, reply interface{}) error {
	select {
	case d.inflight <- struct{}{}:
	default:
		return ErrDNSBusy
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-d.inflight }()
		defer func() {
			if p := recover(); p != nil {
				panics.Recovered(d.logger, "dns", method, p)
				done <- fmt.Errorf("dns: %s panicked", method)
			}
		}()
		done <- d.backend.RPC(method, args, reply)
	}()
	t := time.NewTimer(d.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%s after %s: %w", method, d.timeout, ErrDNSTimeout)
	}
}

func questionString(req *dns.Msg) string {
	if req == nil || len(req.Question) == 0 {
		return "(no question)"
	}
	q := req.Question[0]
	return q.Name + " " + dns.TypeToString[q.Qtype]
}

// startDNS starts the agent's DNS server when ports.dns is set. Under
// -dev, whose default is DefaultDNSPort, a port already in use (another
// dev agent) leaves DNS off with a warning; otherwise it is an error.
func (a *Agent) startDNS(b dnsBackend) error {
	cfg := a.config
	if cfg.Ports.DNS == 0 {
		return nil
	}
	addr := net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.Ports.DNS))
	d, err := newDNSServer(dnsConfig{Addr: addr, Backend: b, Region: cfg.Region, Logger: a.logger.Named("dns")})
	if err != nil {
		if cfg.DevMode && cfg.Ports.DNS == DefaultDNSPort && errors.Is(err, syscall.EADDRINUSE) {
			a.logger.Warn("dns port in use; running without dns (set ports { dns = PORT } to choose another)", "address", addr)
			return nil
		}
		return fmt.Errorf("ports.dns: %w", err)
	}
	a.dns = d
	a.logger.Info("dns server started", "address", d.Addr(), "domain", DNSDomain)
	return nil
}

// DNSAddr is the address the DNS server listens on; "" when it is off.
func (a *Agent) DNSAddr() string {
	if a.dns == nil {
		return ""
	}
	return a.dns.Addr()
}
