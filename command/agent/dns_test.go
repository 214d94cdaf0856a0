package agent

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// mixedServices are web instances of mixed health, tags, datacenters and
// address families, and a db with no passing instance.
func mixedServices() *fakeServices {
	f := newFakeServices(
		testReg("w1", "web", "dc1", "10.0.0.1", 8080, structs.ServiceHealthPassing, "primary", "http"),
		testReg("w2", "web", "dc1", "10.0.0.2", 8081, structs.ServiceHealthPassing, "http"),
		testReg("w3", "web", "dc2", "10.0.1.3", 8082, "", "http"), // no recorded health: passing
		testReg("w4", "web", "dc1", "10.0.0.4", 8083, structs.ServiceHealthCritical, "primary"),
		testReg("w5", "web", "dc1", "10.0.0.5", 8084, structs.ServiceHealthPending),
		testReg("w6", "web", "dc2", "fd00::6", 8085, structs.ServiceHealthPassing, "v6"),
		testReg("d1", "db", "dc1", "10.0.2.1", 5432, structs.ServiceHealthCritical),
		testReg("o1", "web", "dc1", "10.9.9.9", 9999, structs.ServiceHealthPassing),
	)
	// o1 lives in another namespace: never answered.
	f.regs[len(f.regs)-1].Namespace = "other"
	return f
}

func newMixed(t *testing.T) (string, *fakeServices) {
	f := mixedServices()
	return startTestDNS(t, f, 0).Addr(), f
}

// answers renders the answer section as sorted "TYPE value" strings.
func answers(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		switch r := rr.(type) {
		case *dns.A:
			out = append(out, "A "+r.A.String())
		case *dns.AAAA:
			out = append(out, "AAAA "+r.AAAA.String())
		case *dns.SRV:
			out = append(out, fmt.Sprintf("SRV %d %d %d %s", r.Priority, r.Weight, r.Port, r.Target))
		case *dns.SOA:
			out = append(out, "SOA "+r.Hdr.Name)
		default:
			out = append(out, rr.String())
		}
	}
	sort.Strings(out)
	return out
}

func expectAnswers(t *testing.T, m *dns.Msg, rcode int, want ...string) {
	t.Helper()
	if m.Rcode != rcode {
		t.Fatalf("%s: rcode %s, want %s", m.Question[0].Name, dns.RcodeToString[m.Rcode], dns.RcodeToString[rcode])
	}
	got := answers(m.Answer)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s %s answers:\n%s\nwant:\n%s", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype],
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, rr := range m.Answer {
		if rr.Header().Ttl != uint32(DNSTTL.Seconds()) {
			t.Fatalf("ttl %d in %s, want %v", rr.Header().Ttl, rr, DNSTTL)
		}
	}
	if len(want) == 0 || rcode != dns.RcodeSuccess {
		// Negative answers carry the SOA, as resolvers expect.
		if got := answers(m.Ns); len(got) != 1 || got[0] != "SOA nomad." {
			t.Fatalf("authority section %v, want the zone's SOA", got)
		}
	}
}

func TestDNS_ServiceA(t *testing.T) {
	addr, _ := newMixed(t)
	m := query(t, "udp", addr, "web.service.nomad.", dns.TypeA)
	if !m.Authoritative || m.RecursionAvailable {
		t.Fatalf("aa=%v ra=%v, want an authoritative, non-recursive answer", m.Authoritative, m.RecursionAvailable)
	}
	// Critical (w4), pending (w5) and the other namespace (o1) are left
	// out; w6 is IPv6.
	expectAnswers(t, m, dns.RcodeSuccess, "A 10.0.0.1", "A 10.0.0.2", "A 10.0.1.3")
}

func TestDNS_ServiceAAAA(t *testing.T) {
	addr, _ := newMixed(t)
	expectAnswers(t, query(t, "udp", addr, "web.service.nomad.", dns.TypeAAAA), dns.RcodeSuccess, "AAAA fd00::6")
	// A service with no IPv6 instance: NOERROR, nothing.
	f := newFakeServices(testReg("a", "api", "dc1", "10.1.1.1", 80, structs.ServiceHealthPassing))
	expectAnswers(t, query(t, "udp", startTestDNS(t, f, 0).Addr(), "api.service.nomad.", dns.TypeAAAA), dns.RcodeSuccess)
}

func TestDNS_ServiceSRV(t *testing.T) {
	addr, _ := newMixed(t)
	m := query(t, "udp", addr, "web.service.nomad.", dns.TypeSRV)
	expectAnswers(t, m, dns.RcodeSuccess,
		"SRV 1 1 8080 0a000001.addr.dc1.nomad.",
		"SRV 1 1 8081 0a000002.addr.dc1.nomad.",
		"SRV 1 1 8082 0a000103.addr.dc2.nomad.",
		"SRV 1 1 8085 fd000000000000000000000000000006.addr.dc2.nomad.")
	// Every target's address is in the additional section, and the
	// target names resolve on their own too.
	extra := map[string]string{}
	for _, rr := range m.Extra {
		switch r := rr.(type) {
		case *dns.A:
			extra[r.Hdr.Name] = r.A.String()
		case *dns.AAAA:
			extra[r.Hdr.Name] = r.AAAA.String()
		}
	}
	for _, rr := range m.Answer {
		srv := rr.(*dns.SRV)
		ip, ok := extra[srv.Target]
		if !ok {
			t.Fatalf("no additional record for %s in %v", srv.Target, m.Extra)
		}
		qtype := dns.TypeA
		if strings.Contains(ip, ":") {
			qtype = dns.TypeAAAA
		}
		r := query(t, "udp", addr, srv.Target, qtype)
		if got := answers(r.Answer); len(got) != 1 || !strings.HasSuffix(got[0], " "+ip) {
			t.Fatalf("%s resolves to %v, want %s", srv.Target, got, ip)
		}
	}
	// The datacenter-less form, and a family mismatch, which is NODATA.
	expectAnswers(t, query(t, "udp", addr, "0a000001.addr.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.1")
	expectAnswers(t, query(t, "udp", addr, "0a000001.addr.nomad.", dns.TypeAAAA), dns.RcodeSuccess)
	expectAnswers(t, query(t, "udp", addr, "zz000001.addr.nomad.", dns.TypeA), dns.RcodeNameError)
}

func TestDNS_TagAndDatacenterForms(t *testing.T) {
	addr, _ := newMixed(t)
	// w4 has the tag but is critical.
	expectAnswers(t, query(t, "udp", addr, "primary.web.service.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.1")
	expectAnswers(t, query(t, "udp", addr, "web.service.dc2.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.1.3")
	expectAnswers(t, query(t, "udp", addr, "web.service.dc2.nomad.", dns.TypeSRV), dns.RcodeSuccess,
		"SRV 1 1 8082 0a000103.addr.dc2.nomad.", "SRV 1 1 8085 fd000000000000000000000000000006.addr.dc2.nomad.")
	expectAnswers(t, query(t, "udp", addr, "http.web.service.dc1.nomad.", dns.TypeSRV), dns.RcodeSuccess,
		"SRV 1 1 8080 0a000001.addr.dc1.nomad.", "SRV 1 1 8081 0a000002.addr.dc1.nomad.")
	// A tag or datacenter no instance has is a name that does not exist.
	expectAnswers(t, query(t, "udp", addr, "nope.web.service.nomad.", dns.TypeA), dns.RcodeNameError)
	expectAnswers(t, query(t, "udp", addr, "web.service.dc9.nomad.", dns.TypeA), dns.RcodeNameError)
	expectAnswers(t, query(t, "udp", addr, "v6.web.service.dc1.nomad.", dns.TypeA), dns.RcodeNameError)
}

func TestDNS_UnhealthyUnknownAndForeign(t *testing.T) {
	addr, f := newMixed(t)
	// db exists but has no passing instance: NOERROR with no answer.
	expectAnswers(t, query(t, "udp", addr, "db.service.nomad.", dns.TypeA), dns.RcodeSuccess)
	expectAnswers(t, query(t, "udp", addr, "db.service.nomad.", dns.TypeSRV), dns.RcodeSuccess)
	// A tag only an unhealthy instance carries exists too.
	expectAnswers(t, query(t, "tcp", addr, "primary.web.service.dc1.nomad.", dns.TypeAAAA), dns.RcodeSuccess)
	expectAnswers(t, query(t, "udp", addr, "nosuch.service.nomad.", dns.TypeA), dns.RcodeNameError)
	expectAnswers(t, query(t, "udp", addr, "web.nomad.", dns.TypeA), dns.RcodeNameError)
	expectAnswers(t, query(t, "udp", addr, "a.b.c.web.service.nomad.", dns.TypeA), dns.RcodeNameError)
	before := f.callCount("ServiceRegistration.GetService")
	expectAnswers(t, query(t, "udp", addr, "_web._tcp.service.nomad.", dns.TypeSRV), dns.RcodeNameError)
	if f.callCount("ServiceRegistration.GetService") != before {
		t.Fatal("a name no service may have was looked up")
	}
	// The zone apex has its SOA.
	expectAnswers(t, query(t, "udp", addr, "nomad.", dns.TypeSOA), dns.RcodeSuccess, "SOA nomad.")
	// Outside the zone: refused, never forwarded.
	m := query(t, "udp", addr, "example.com.", dns.TypeA)
	if m.Rcode != dns.RcodeRefused || len(m.Answer) != 0 {
		t.Fatalf("example.com: %s %v, want REFUSED", dns.RcodeToString[m.Rcode], m.Answer)
	}
	m = query(t, "udp", addr, "web.service.nomad.example.com.", dns.TypeA)
	if m.Rcode != dns.RcodeRefused {
		t.Fatalf("a name ending in another zone: %s, want REFUSED", dns.RcodeToString[m.Rcode])
	}
}

func TestDNS_CaseInsensitive(t *testing.T) {
	f := newFakeServices(
		testReg("w1", "web", "DC1", "10.0.0.1", 80, structs.ServiceHealthPassing, "Primary"),
		testReg("a1", "Api", "dc1", "10.0.0.9", 90, structs.ServiceHealthPassing),
	)
	addr := startTestDNS(t, f, 0).Addr()
	for _, name := range []string{"WEB.Service.NOMAD.", "primary.web.service.dc1.nomad.", "PRIMARY.wEb.SERVICE.Dc1.NoMaD."} {
		m := query(t, "udp", addr, name, dns.TypeA)
		expectAnswers(t, m, dns.RcodeSuccess, "A 10.0.0.1")
		if m.Answer[0].Header().Name != name {
			t.Fatalf("answer owner %q, want the question's %q as sent", m.Answer[0].Header().Name, name)
		}
	}
	// A service registered with capitals is found by its lower-cased name.
	expectAnswers(t, query(t, "udp", addr, "api.service.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.9")
	expectAnswers(t, query(t, "udp", addr, "API.service.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.9")
	// The target of a capitalised datacenter is lower-cased.
	expectAnswers(t, query(t, "udp", addr, "web.service.nomad.", dns.TypeSRV), dns.RcodeSuccess, "SRV 1 1 80 0a000001.addr.dc1.nomad.")
}

func TestDNS_TruncatedOverUDPWholeOverTCP(t *testing.T) {
	var regs []*structs.ServiceRegistration
	var want []string
	for i := 0; i < 100; i++ {
		ip := fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)
		regs = append(regs, testReg(fmt.Sprintf("big-%03d", i), "big", "dc1", ip, 20000+i, structs.ServiceHealthPassing))
		want = append(want, "A "+ip)
	}
	addr := startTestDNS(t, newFakeServices(regs...), 0).Addr()

	m := query(t, "udp", addr, "big.service.nomad.", dns.TypeA)
	if !m.Truncated || len(m.Answer) >= 100 {
		t.Fatalf("udp: truncated=%v with %d answers, want TC set and fewer than 100", m.Truncated, len(m.Answer))
	}
	m.Compress = true // as it was sent
	if n, _ := m.Pack(); len(n) > dns.MinMsgSize {
		t.Fatalf("udp answer is %d bytes, over %d", len(n), dns.MinMsgSize)
	}
	// With a larger EDNS0 buffer UDP holds more.
	e := new(dns.Msg)
	e.SetQuestion("big.service.nomad.", dns.TypeA)
	e.SetEdns0(4096, false)
	if m := exchange(t, "udp", addr, e); m.Truncated || len(m.Answer) != 100 || m.IsEdns0() == nil {
		t.Fatalf("udp with edns0 4096: truncated=%v answers=%d edns=%v, want all 100", m.Truncated, len(m.Answer), m.IsEdns0() != nil)
	}
	// TCP gets everything; so does SRV with its additional records.
	m = query(t, "tcp", addr, "big.service.nomad.", dns.TypeA)
	if m.Truncated {
		t.Fatal("tcp answer truncated")
	}
	expectAnswers(t, m, dns.RcodeSuccess, want...)
	m = query(t, "tcp", addr, "big.service.nomad.", dns.TypeSRV)
	if m.Truncated || len(m.Answer) != 100 || len(m.Extra) != 100 {
		t.Fatalf("tcp srv: truncated=%v answers=%d extra=%d, want 100 and 100", m.Truncated, len(m.Answer), len(m.Extra))
	}
	if m := query(t, "udp", addr, "big.service.nomad.", dns.TypeSRV); !m.Truncated {
		t.Fatal("udp srv of 100 instances not truncated")
	}
}

func TestDNS_GarbageAndMalformedQueries(t *testing.T) {
	addr, _ := newMixed(t)
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	valid := new(dns.Msg)
	valid.SetQuestion("web.service.nomad.", dns.TypeA)
	packed, _ := valid.Pack()
	garbage := [][]byte{
		{}, {0}, {0xff, 0xff}, []byte("GET / HTTP/1.1\r\n\r\n"),
		make([]byte, 12), // a header with nothing
		packed[:len(packed)-3],
		append(append([]byte{}, packed[:12]...), 0xc0, 0x0c, 0, 1, 0, 1), // a pointer to itself
	}
	// Pseudo-random bytes, seeded.
	x := uint32(1)
	for i := 0; i < 64; i++ {
		b := make([]byte, 1+i*7%300)
		for j := range b {
			x = x*1664525 + 1013904223
			b[j] = byte(x >> 24)
		}
		garbage = append(garbage, b)
	}
	for _, g := range garbage {
		if _, err := conn.Write(g); err != nil {
			t.Fatal(err)
		}
	}
	// Over TCP: a length prefix longer than what follows, then close.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Write([]byte{0x01, 0x00, 0xde, 0xad})
		c.Close()
	}
	// The server still answers, over both.
	expectAnswers(t, query(t, "udp", addr, "web.service.dc2.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.1.3")
	expectAnswers(t, query(t, "tcp", addr, "web.service.dc2.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.1.3")

	// Two questions: FORMERR. NOTIFY: NOTIMP. Class CHAOS: REFUSED.
	two := new(dns.Msg)
	two.SetQuestion("web.service.nomad.", dns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	if m := exchange(t, "udp", addr, two); m.Rcode != dns.RcodeFormatError {
		t.Fatalf("two questions: %s, want FORMERR", dns.RcodeToString[m.Rcode])
	}
	notify := new(dns.Msg)
	notify.SetNotify("nomad.")
	if m := exchange(t, "udp", addr, notify); m.Rcode != dns.RcodeNotImplemented {
		t.Fatalf("notify: %s, want NOTIMP", dns.RcodeToString[m.Rcode])
	}
	ch := new(dns.Msg)
	ch.SetQuestion("web.service.nomad.", dns.TypeA)
	ch.Question[0].Qclass = dns.ClassCHAOS
	if m := exchange(t, "udp", addr, ch); m.Rcode != dns.RcodeRefused {
		t.Fatalf("class CH: %s, want REFUSED", dns.RcodeToString[m.Rcode])
	}
}

func TestDNS_LookupTimeoutIsServfail(t *testing.T) {
	f := mixedServices()
	f.block = make(chan struct{})
	t.Cleanup(func() { close(f.block) }) // runs after the server's shutdown
	addr := startTestDNS(t, f, 50*time.Millisecond).Addr()
	start := time.Now()
	m := query(t, "udp", addr, "web.service.nomad.", dns.TypeA)
	if m.Rcode != dns.RcodeServerFailure || len(m.Answer) != 0 {
		t.Fatalf("blocked backend: %s %v, want SERVFAIL", dns.RcodeToString[m.Rcode], m.Answer)
	}
	// Bounded: well under the client's own timeout (not a timing
	// assertion on the server's speed, only that it did not wait for
	// the backend, which never answers).
	if time.Since(start) > 4*time.Second {
		t.Fatalf("answer took %v", time.Since(start))
	}
	// A backend error is SERVFAIL too.
	other := mixedServices()
	other.region = "elsewhere"
	d := startTestDNS(t, other, 0)
	if m := query(t, "udp", d.Addr(), "web.service.nomad.", dns.TypeA); m.Rcode != dns.RcodeServerFailure {
		t.Fatalf("backend error: %s, want SERVFAIL", dns.RcodeToString[m.Rcode])
	}
}

func TestDNS_AnswersFollowTheTable(t *testing.T) {
	// No cache: an instance removed (its node marked down) is gone from
	// the next answer.
	f := mixedServices()
	addr := startTestDNS(t, f, 0).Addr()
	expectAnswers(t, query(t, "udp", addr, "primary.web.service.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.1")
	f.set(testReg("w4", "web", "dc1", "10.0.0.4", 8083, structs.ServiceHealthPassing, "primary"))
	expectAnswers(t, query(t, "udp", addr, "primary.web.service.nomad.", dns.TypeA), dns.RcodeSuccess, "A 10.0.0.4")
	f.set()
	expectAnswers(t, query(t, "udp", addr, "primary.web.service.nomad.", dns.TypeA), dns.RcodeNameError)
	if n := f.callCount("ServiceRegistration.GetService"); n != 3 {
		t.Fatalf("%d lookups for 3 queries", n)
	}
}

func TestDNS_ConfigPort(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	c.Server.Enabled = true
	if c.Ports.DNS != 0 {
		t.Fatalf("dns is on by default: %d", c.Ports.DNS)
	}
	if DevConfig().Ports.DNS != DefaultDNSPort {
		t.Fatalf("-dev dns port %d, want %d", DevConfig().Ports.DNS, DefaultDNSPort)
	}
	for port, want := range map[int]string{
		-1:    "ports.dns: -1 is out of range; accepted: 0 (DNS off) or a port 1-65535",
		70000: "ports.dns: 70000 is out of range",
		4646:  "ports.dns: 4646 is also ports.http or ports.rpc",
	} {
		c.Ports.DNS = port
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("ports.dns = %d: %v, want %q", port, err, want)
		}
	}
	c.Ports.DNS = 8600
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// freeDNSPort is a port free on 127.0.0.1 for both UDP and TCP when
// asked; another process may take it before the agent does, which fails
// the test loudly rather than wrongly.
func freeDNSPort(t *testing.T) int {
	t.Helper()
	pc, ln, err := listenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	ln.Close()
	return port
}

func TestDNS_DevAgent(t *testing.T) {
	cfg := devTestConfig(t)
	cfg.Ports.DNS = freeDNSPort(t)
	logs := &syncBuffer{}
	a, err := NewAgent(cfg, hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			a.Shutdown()
		}
		if t.Failed() {
			t.Logf("agent logs:\n%s", logs.String())
		}
	})
	addr := a.DNSAddr()
	if addr != net.JoinHostPort("127.0.0.1", fmt.Sprint(cfg.Ports.DNS)) {
		t.Fatalf("dns address %q, want port %d", addr, cfg.Ports.DNS)
	}
	// Through the real server: an unknown service, once there is a
	// leader (before, the lookup may fail: SERVFAIL).
	var m *dns.Msg
	waitFor(t, 10*time.Second, "an answer from the server", func() bool {
		m = query(t, "udp", addr, "nosuch.service.nomad.", dns.TypeSRV)
		return m.Rcode != dns.RcodeServerFailure
	})
	expectAnswers(t, m, dns.RcodeNameError)
	expectAnswers(t, query(t, "tcp", addr, "nomad.", dns.TypeSOA), dns.RcodeSuccess, "SOA nomad.")

	// Shutdown closes both sockets.
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	pc, ln, err := listenDNS(addr)
	if err != nil {
		t.Fatalf("dns port still held after shutdown: %v", err)
	}
	pc.Close()
	ln.Close()
}

func TestDNS_DevPortInUseLeavesDNSOff(t *testing.T) {
	// Hold the -dev port (or find it held already): the agent starts
	// without DNS and says so.
	if pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", fmt.Sprint(DefaultDNSPort))); err == nil {
		defer pc.Close()
	}
	cfg := devTestConfig(t)
	cfg.Ports.DNS = DefaultDNSPort
	logs := &syncBuffer{}
	a, err := NewAgent(cfg, hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown()
	if a.DNSAddr() != "" || !strings.Contains(logs.String(), "dns port in use; running without dns") {
		t.Fatalf("dns %q with the port held; logs:\n%s", a.DNSAddr(), logs.String())
	}

	// Outside -dev the same is an error naming the key.
	cfg = devTestConfig(t)
	cfg.DevMode = false
	cfg.DataDir = t.TempDir()
	cfg.Ports.DNS = DefaultDNSPort
	if _, err := NewAgent(cfg, hclog.NewNullLogger()); err == nil || !strings.Contains(err.Error(), "ports.dns: dns: listen udp") {
		t.Fatalf("err = %v, want a ports.dns listen error", err)
	}
}
