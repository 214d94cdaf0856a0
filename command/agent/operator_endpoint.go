package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerOperatorRoutes() {
	s.route("/v1/operator/raft/configuration", methods{http.MethodGet: s.operatorRaftConfiguration})
	s.route("/v1/operator/replication", methods{http.MethodGet: s.operatorReplication})
}

// operatorReplication is GET /v1/operator/replication: how the region's
// leader follows the authoritative region (a nomadish addition).
func (s *HTTPServer) operatorReplication(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.GenericRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.ReplicationStatusResponse
	if err := s.backend.RPC("Operator.ReplicationStatus", &args, &out); err != nil {
		return nil, err
	}
	s.setLocalMeta(w)
	return out, nil
}

func (s *HTTPServer) operatorRaftConfiguration(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.GenericRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.RaftConfigurationResponse
	if err := s.backend.RPC("Operator.RaftGetConfiguration", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &structs.QueryMeta{Index: out.Index, KnownLeader: s.backend.Leader() != ""})
	if out.Servers == nil {
		out.Servers = []*structs.RaftServer{}
	}
	return out, nil
}
