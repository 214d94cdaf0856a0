package lb

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// benchConcurrency is how many clients send requests at once.
const benchConcurrency = 8

// benchRequests sends b.N GETs to url from benchConcurrency clients with
// keep-alive and reports requests/s and the latency percentiles.
func benchRequests(b *testing.B, url string) {
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < benchConcurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, b.N)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
}

func benchBackend(b *testing.B) *httptest.Server {
	payload := []byte("hello from the instance\n")
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(payload) }))
	b.Cleanup(s.Close)
	return s
}

// BenchmarkDirectHTTP is the baseline: the same clients against one
// instance directly.
func BenchmarkDirectHTTP(b *testing.B) {
	benchRequests(b, benchBackend(b).URL+"/")
}

// BenchmarkLBHTTP sends the requests through the balancer (round robin
// over three instances on the same machine).
func BenchmarkLBHTTP(b *testing.B) {
	ln := freePort(b)
	m := New(Config{BindAddr: "127.0.0.1"})
	b.Cleanup(m.Close)
	var regs []*structs.ServiceRegistration
	for i := 0; i < 3; i++ {
		s := benchBackend(b)
		regs = append(regs, reg("web", s.Listener.Addr().(*net.TCPAddr).Port, httpLB(ln)))
	}
	m.Update(regs)
	benchRequests(b, "http://"+m.Addr(ln)+"/")
}
