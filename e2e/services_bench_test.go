//go:build e2e && linux

package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkServiceCriticalToGone measures, for an instance of a
// count-3 service whose check (interval 1s) turns critical, the time
// from the turn (the instance's /health starts failing) until it is out
// of discovery (GET /v1/service/web), of DNS (web.service.nomad SRV) and
// of the balancer (three requests in a row through it, round robin, none
// answered by it). Each iteration then makes the instance well again and
// waits for it to be back everywhere. The check's interval is part of
// each figure: a turn follows the instance's return, which follows a
// check, so it is seen about one interval later.
func BenchmarkServiceCriticalToGone(b *testing.B) {
	w := newWebScenario(b)
	cl, lbURL := w.cl, w.lbURL
	w.run(b, "v1", false, false)
	ports := w.waitPassing(b, 3, 2*time.Minute)
	res := dnsResolver(w.a)
	c := &http.Client{Timeout: 5 * time.Second}
	direct := func(port int, path string) {
		resp, err := c.Post(fmt.Sprintf("http://127.0.0.1:%d%s", port, path), "text/plain", nil)
		if err != nil {
			b.Fatalf("POST %s to instance %d: %v", path, port, err)
		}
		resp.Body.Close()
	}
	// inBalancer reports whether one of three requests in a row through
	// the balancer is answered by port.
	inBalancer := func(port int) bool {
		for i := 0; i < 3; i++ {
			resp, err := c.Get(lbURL)
			if err != nil {
				b.Fatalf("request through the balancer: %v", err)
			}
			var ver, p string
			fmt.Fscan(resp.Body, &ver, &p)
			resp.Body.Close()
			if p == fmt.Sprint(port) {
				return true
			}
		}
		return false
	}
	inDiscovery := func(port int) bool {
		got, err := passingPorts(cl, "web")
		if err != nil {
			b.Fatalf("discovery: %v", err)
		}
		return slices.Contains(got, port)
	}
	inDNS := func(port int) bool {
		got, err := srvPorts(res, "web")
		if err != nil && !strings.Contains(err.Error(), "no such host") {
			b.Fatalf("dns: %v", err)
		}
		return slices.Contains(got, port)
	}
	waitFor(b, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		return inBalancer(ports[0]) && inDNS(ports[0]), "the instance in the balancer and DNS"
	})

	var disc, dns, lb []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		port := ports[i%len(ports)]
		direct(port, "/sick")
		start := time.Now()
		var dDisc, dDNS, dLB time.Duration
		waitFor(b, 30*time.Second, 5*time.Millisecond, func() (bool, string) {
			if dDisc == 0 && !inDiscovery(port) {
				dDisc = time.Since(start)
			}
			if dDNS == 0 && !inDNS(port) {
				dDNS = time.Since(start)
			}
			if dLB == 0 && !inBalancer(port) {
				dLB = time.Since(start)
			}
			return dDisc > 0 && dDNS > 0 && dLB > 0, fmt.Sprintf("instance %d: gone from discovery after %v, DNS %v, balancer %v", port, dDisc, dDNS, dLB)
		})
		disc, dns, lb = append(disc, dDisc), append(dns, dDNS), append(lb, dLB)
		b.StopTimer()
		direct(port, "/well")
		waitFor(b, 30*time.Second, 20*time.Millisecond, func() (bool, string) {
			return inDiscovery(port) && inDNS(port) && inBalancer(port), fmt.Sprintf("instance %d back", port)
		})
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(medianMS(disc), "discovery-ms-p50")
	b.ReportMetric(medianMS(dns), "dns-ms-p50")
	b.ReportMetric(medianMS(lb), "lb-ms-p50")
	b.ReportMetric(maxMS(lb), "lb-ms-max")
}

func medianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[len(s)/2].Microseconds()) / 1000
}

func maxMS(ds []time.Duration) float64 {
	return float64(slices.Max(ds).Microseconds()) / 1000
}
