package agent

import (
	"fmt"
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerNodeRoutes() {
	s.route("/v1/nodes", methods{http.MethodGet: s.nodeList})
	s.route("/v1/node/{id}", methods{http.MethodGet: s.nodeGet})
	// One pattern for /v1/node/:id/<action> and /v1/node/pool/:name,
	// which the mux would otherwise see as conflicting.
	sub := s.nodeSubroutes()
	s.route("/v1/node/{id}/{action}", methods{http.MethodGet: sub, http.MethodPut: sub, http.MethodPost: sub, http.MethodDelete: sub})
	s.registerNodePoolRoutes() // node_pool_endpoint.go
}

// nodeSubroutes dispatches /v1/node/:id/allocations, /eligibility and
// /drain, and /v1/node/pool/:name, by action and method.
func (s *HTTPServer) nodeSubroutes() handlerFunc {
	byAction := map[string]methods{
		"allocations": {http.MethodGet: s.nodeAllocations},
		"eligibility": {http.MethodPut: s.nodeEligibility, http.MethodPost: s.nodeEligibility},
		"drain":       {http.MethodPut: s.nodeDrain, http.MethodPost: s.nodeDrain},
	}
	dispatch := map[string]handlerFunc{}
	for action, m := range byAction {
		dispatch[action] = m.dispatch()
	}
	pool := methods{http.MethodGet: s.nodePoolGet, http.MethodDelete: s.nodePoolDelete}.dispatch()
	return func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
		if r.PathValue("id") == "pool" {
			return pool(w, r)
		}
		h, ok := dispatch[r.PathValue("action")]
		if !ok {
			return nil, &CodedError{Code: http.StatusNotFound,
				Msg: fmt.Sprintf("no such endpoint %s; under /v1/node/:id there are allocations, eligibility and drain", r.URL.Path)}
		}
		return h(w, r)
	}
}

func (s *HTTPServer) nodeList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.NodeListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.NodeListResponse
	if err := s.backend.RPC("Node.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Nodes == nil {
		out.Nodes = []*structs.NodeListStub{}
	}
	return out.Nodes, nil
}

func (s *HTTPServer) nodeGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.NodeSpecificRequest{NodeID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleNodeResponse
	if err := s.backend.RPC("Node.GetNode", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Node == nil {
		return nil, notFound("node")
	}
	return out.Node, nil
}

func (s *HTTPServer) nodeAllocations(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.NodeSpecificRequest{NodeID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobAllocationsResponse
	if err := s.backend.RPC("Node.GetAllocs", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Allocations == nil {
		out.Allocations = []*structs.AllocListStub{}
	}
	return out.Allocations, nil
}
