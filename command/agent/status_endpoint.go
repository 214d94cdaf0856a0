package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerStatusRoutes() {
	s.route("/v1/status/leader", methods{http.MethodGet: s.statusLeader})
	s.route("/v1/status/peers", methods{http.MethodGet: s.statusPeers})
}

// statusLeader answers the RPC address of the region's leader, or "" when
// there is none; an empty answer is not an error, as in Nomad.
func (s *HTTPServer) statusLeader(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.GenericRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var leader string
	if err := s.backend.RPC("Status.Leader", &args, &leader); err != nil {
		return nil, err
	}
	setMeta(w, &structs.QueryMeta{KnownLeader: leader != ""})
	return leader, nil
}

func (s *HTTPServer) statusPeers(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.GenericRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var peers []string
	if err := s.backend.RPC("Status.Peers", &args, &peers); err != nil {
		return nil, err
	}
	setMeta(w, &structs.QueryMeta{KnownLeader: s.backend.Leader() != ""})
	if peers == nil {
		peers = []string{}
	}
	return peers, nil
}
