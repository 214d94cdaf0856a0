package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerOperatorRoutes() {
	s.route("/v1/operator/raft/configuration", methods{http.MethodGet: s.operatorRaftConfiguration})
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
