package agent

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// BenchmarkDNSServiceSRV asks for the SRV records of a service of 10
// instances (8 passing) over UDP, one query at a time from one client
// socket, against the in-memory fake services table: the cost of the DNS
// server itself, parsing, lookup, filtering, packing, not of a server's
// state store or the network. Reported: queries/s and the p50 and p99
// latency in µs.
//
//	go test ./command/agent/ -run '^$' -bench BenchmarkDNSServiceSRV -benchtime 20000x
func BenchmarkDNSServiceSRV(b *testing.B) {
	var regs []*structs.ServiceRegistration
	for i := 0; i < 10; i++ {
		health := structs.ServiceHealthPassing
		if i%5 == 4 {
			health = structs.ServiceHealthCritical
		}
		regs = append(regs, testReg(fmt.Sprintf("w%02d", i), "web", "dc1", fmt.Sprintf("10.0.0.%d", i+1), 8000+i, health, "http"))
	}
	d := startTestDNS(b, newFakeServices(regs...), 0)
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
	conn, err := c.Dial(d.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion("web.service.nomad.", dns.TypeSRV)

	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		m, _, err := c.ExchangeWithConn(q, conn)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Answer) != 8 {
			b.Fatalf("%d answers, want 8", len(m.Answer))
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "queries/s")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}
