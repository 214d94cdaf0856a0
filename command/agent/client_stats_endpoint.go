package agent

import (
	"fmt"
	"net/http"
)

// registerClientStatsRoutes serves the host statistics of this agent's
// client (Nomad's /v1/client/stats).
func (s *HTTPServer) registerClientStatsRoutes() {
	s.route("/v1/client/stats", methods{http.MethodGet: s.clientStats})
}

// clientStats answers GET /v1/client/stats with a snapshot of the machine
// this agent's client runs on. Only the agent's own node is served: a
// node_id naming another node is refused rather than forwarded.
func (s *HTTPServer) clientStats(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if s.client == nil {
		return nil, badRequest("this agent runs no client, so it has no host statistics: send the request to a client agent's HTTP API")
	}
	if id := r.URL.Query().Get("node_id"); id != "" && id != s.client.NodeID() {
		return nil, badRequest("host statistics are served only for this agent's own node %s, not node %q: send the request to that node's agent", s.client.NodeID(), id)
	}
	hs, err := s.client.HostStats()
	if err != nil {
		return nil, fmt.Errorf("collect host statistics: %w", err)
	}
	return hs, nil
}
