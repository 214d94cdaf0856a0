package agent

import (
	"net/http"
	"net/http/pprof"
)

// registerDebugRoutes serves Go's runtime profiles under /debug/pprof/. It
// is only called when enable_debug is set or in -dev (where it is on by
// default): profiles reveal internals and a CPU profile or trace costs the
// agent while it runs. Only GET is served; pprof's handlers would answer
// any method, a POST to /debug/pprof/symbol included.
func (s *HTTPServer) registerDebugRoutes() {
	for pattern, h := range map[string]http.HandlerFunc{
		"/debug/pprof/":        pprof.Index,
		"/debug/pprof/cmdline": pprof.Cmdline,
		"/debug/pprof/profile": pprof.Profile,
		"/debug/pprof/symbol":  pprof.Symbol,
		"/debug/pprof/trace":   pprof.Trace,
	} {
		s.route(pattern, methods{http.MethodGet: func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
			h(w, r)
			return written{}, nil
		}})
	}
}
