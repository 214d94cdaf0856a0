package agent

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeServices is a services table behind the two reads the DNS server
// makes, with the server's behaviour: lookups by exact name within a
// namespace, instances ordered by ID, an unknown region an error. block,
// when set, holds every call until it is closed.
type fakeServices struct {
	mu     sync.Mutex // guards the fields below
	regs   []*structs.ServiceRegistration
	calls  map[string]int
	block  chan struct{}
	region string
}

func newFakeServices(regs ...*structs.ServiceRegistration) *fakeServices {
	return &fakeServices{regs: regs, calls: map[string]int{}, region: "global"}
}

func (f *fakeServices) RPC(method string, args, reply interface{}) error {
	f.mu.Lock()
	block := f.block
	f.calls[method]++
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch a := args.(type) {
	case *structs.ServiceRegistrationByNameRequest:
		if a.Region != f.region {
			return fmt.Errorf("%w %q", structs.ErrUnknownRegion, a.Region)
		}
		out := reply.(*structs.ServiceRegistrationByNameResponse)
		out.Services = []*structs.ServiceRegistration{}
		for _, r := range f.regs {
			if r.Namespace == a.RequestNamespace() && r.ServiceName == a.ServiceName {
				out.Services = append(out.Services, r.Copy())
			}
		}
		sort.Slice(out.Services, func(i, j int) bool { return out.Services[i].ID < out.Services[j].ID })
		return nil
	case *structs.ServiceRegistrationListRequest:
		out := reply.(*structs.ServiceRegistrationListResponse)
		stub := &structs.ServiceRegistrationListStub{Namespace: a.RequestNamespace()}
		seen := map[string]bool{}
		for _, r := range f.regs {
			if r.Namespace == a.RequestNamespace() && !seen[r.ServiceName] {
				seen[r.ServiceName] = true
				stub.Services = append(stub.Services, &structs.ServiceRegistrationStub{ServiceName: r.ServiceName})
			}
		}
		out.Services = []*structs.ServiceRegistrationListStub{stub}
		return nil
	}
	return fmt.Errorf("fake services: unexpected %s", method)
}

func (f *fakeServices) set(regs ...*structs.ServiceRegistration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regs = regs
}

func (f *fakeServices) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// testReg is a registration of the default namespace.
func testReg(id, service, dc, addr string, port int, health string, tags ...string) *structs.ServiceRegistration {
	return &structs.ServiceRegistration{ID: id, ServiceName: service, Namespace: structs.DefaultNamespace,
		NodeID: "node-" + id, Datacenter: dc, JobID: "job", AllocID: "alloc-" + id,
		Tags: tags, Address: addr, Port: port, Health: health}
}

// startTestDNS serves b on 127.0.0.1 on a free port until the test ends.
func startTestDNS(t testing.TB, b dnsBackend, timeout time.Duration) *DNSServer {
	t.Helper()
	d, err := newDNSServer(dnsConfig{Addr: "127.0.0.1:0", Backend: b, Region: "global", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Shutdown(); err != nil {
			t.Errorf("dns shutdown: %v", err)
		}
	})
	return d
}

// query asks addr over network (udp or tcp) with a real client.
func query(t testing.TB, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return exchange(t, network, addr, m)
}

func exchange(t testing.TB, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	in, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], network, err)
	}
	return in
}
