package api

import (
	"net/http"
	"testing"
)

func TestMetrics(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("GET /v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("format") == "prometheus" {
			w.Write([]byte("# TYPE nomadish_runtime_alloc_bytes gauge\nnomadish_runtime_alloc_bytes 1\n"))
			return
		}
		w.Write([]byte(`{"Timestamp":"2024-01-01 00:00:00 +0000 UTC","Gauges":[{"Name":"nomadish.runtime.alloc_bytes","Value":1,"Labels":{}}],
			"Counters":[{"Name":"nomadish.rpc.request","Count":3,"Sum":3}],"Samples":[],"Points":[]}`))
	})
	c := f.client(t)

	m, err := c.Metrics(nil)
	if err != nil || len(m.Gauges) != 1 || m.Counters[0].Count != 3 {
		t.Fatalf("metrics = %+v, %v", m, err)
	}
	text, err := c.MetricsPrometheus(nil)
	if err != nil || string(text[:6]) != "# TYPE" {
		t.Fatalf("prometheus = %q, %v", text, err)
	}
}
