package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// registerClientChecksRoutes serves the latest results of an
// allocation's health checks (Nomad's /v1/client/allocation/:id/checks),
// from the client that runs it or proxied to that client's node.
func (s *HTTPServer) registerClientChecksRoutes() {
	s.route("/v1/client/allocation/{alloc}/checks", methods{http.MethodGet: s.clientAllocChecks})
}

// allocChecker is the optional ability of a localAlloc to report its
// checks' results; one without it has no checks to report.
type allocChecker interface {
	CheckResults() map[string]*structs.CheckQueryResult
}

// CheckResults is the alloc runner's check results.
func (r *runnerAlloc) CheckResults() map[string]*structs.CheckQueryResult {
	return r.ar.CheckResults()
}

// clientAllocChecks answers with a map of check ID to its latest result;
// an allocation without checks (or whose checks have not started) answers
// an empty map, as Nomad does.
func (s *HTTPServer) clientAllocChecks(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		out := map[string]*structs.CheckQueryResult{}
		if c, ok := la.(allocChecker); ok {
			for id, res := range c.CheckResults() {
				out[id] = res
			}
		}
		return out, nil
	})(w, r)
}
