package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerNodeRoutes() {
	s.route("/v1/nodes", methods{http.MethodGet: s.nodeList})
	s.route("/v1/node/{id}", methods{http.MethodGet: s.nodeGet})
	s.route("/v1/node/{id}/allocations", methods{http.MethodGet: s.nodeAllocations})
	s.route("/v1/node/{id}/eligibility", methods{http.MethodPut: s.nodeEligibility, http.MethodPost: s.nodeEligibility})
	s.route("/v1/node/{id}/drain", methods{http.MethodPut: s.nodeDrain, http.MethodPost: s.nodeDrain})
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
