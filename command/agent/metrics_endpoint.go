package agent

import (
	"net/http"
	"time"

	"github.com/hashicorp/go-metrics"
	promsink "github.com/hashicorp/go-metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsSinks are the agent's metric sinks: an in-memory one for the JSON
// view and a Prometheus one, fed together through a fanout.
type metricsSinks struct {
	inmem    *metrics.InmemSink
	registry *prometheus.Registry
	prom     http.Handler
	// sink feeds both; it is the global sink when the agent installs it.
	sink   metrics.FanoutSink
	global *metrics.Metrics
}

// metricsServiceName prefixes every metric. It is Nomad's so that
// dashboards and alerts written for Nomad keep matching.
const metricsServiceName = "nomad"

// newMetricsSinks builds the sinks and, if global is set, installs them as
// the process's go-metrics sink (the server reports through the global).
// Each agent has its own Prometheus registry so several agents can live in
// one test process.
func newMetricsSinks(global bool) (*metricsSinks, error) {
	m := &metricsSinks{
		inmem:    metrics.NewInmemSink(10*time.Second, time.Minute),
		registry: prometheus.NewRegistry(),
	}
	ps, err := promsink.NewPrometheusSinkFrom(promsink.PrometheusOpts{
		Expiration: time.Minute,
		Registerer: m.registry,
	})
	if err != nil {
		return nil, err
	}
	m.sink = metrics.FanoutSink{m.inmem, ps}
	m.prom = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if global {
		conf := metrics.DefaultConfig(metricsServiceName)
		conf.EnableHostname = false
		m.global, err = metrics.NewGlobal(conf, m.sink)
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (s *HTTPServer) registerMetricsRoutes() {
	s.route("/v1/metrics", methods{http.MethodGet: s.metricsGet})
}

// metricsGet answers the in-memory metrics as JSON, or with
// ?format=prometheus the Prometheus text exposition format.
func (s *HTTPServer) metricsGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if s.metrics == nil {
		return nil, &CodedError{Code: http.StatusNotImplemented, Msg: "metrics are not enabled on this agent"}
	}
	switch f := r.URL.Query().Get("format"); f {
	case "":
		return s.metrics.inmem.DisplayMetrics(w, r)
	case "prometheus":
		s.metrics.prom.ServeHTTP(w, r)
		return written{}, nil
	default:
		return nil, badRequest("invalid format %q: want prometheus, or no format for JSON", f)
	}
}
