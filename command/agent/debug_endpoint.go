package agent

import "net/http/pprof"

// registerDebugRoutes serves Go's runtime profiles under /debug/pprof/. It
// is only called when enable_debug is set or in -dev: profiles reveal
// internals and a CPU profile costs the server while it runs.
func (s *HTTPServer) registerDebugRoutes() {
	s.mux.HandleFunc("/debug/pprof/", pprof.Index)
	s.mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	s.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
