package agent

import (
	"testing"

	"github.com/hashicorp/go-metrics"
)

func TestMetrics_JSONAndPrometheus(t *testing.T) {
	m, err := newMetricsSinks(false)
	if err != nil {
		t.Fatal(err)
	}
	// Feed the sinks the way the global metrics would, without touching
	// the process-wide global.
	met, err := metrics.New(&metrics.Config{ServiceName: metricsServiceName, FilterDefault: true}, m.sink)
	if err != nil {
		t.Fatal(err)
	}
	met.IncrCounter([]string{"test", "requests"}, 3)
	met.SetGauge([]string{"test", "leader"}, 1)

	a := newTestAPI(t)
	a.http.metrics = m
	a.do(t, "GET", "/v1/metrics", nil).expect(t, 200, `"Name":"nomad.test.requests"`, `"Name":"nomad.test.leader"`, `"Timestamp"`)
	r := a.do(t, "GET", "/v1/metrics?format=prometheus", nil)
	r.expect(t, 200, "nomad_test_requests 3", "nomad_test_leader 1")
	if ct := r.header.Get("Content-Type"); ct == "" || ct == "application/json" {
		t.Fatalf("prometheus content type = %q", ct)
	}
	a.do(t, "GET", "/v1/metrics?format=xml", nil).expect(t, 400, `invalid format "xml": want prometheus`)
}
