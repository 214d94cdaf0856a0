package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerAllocRoutes() {
	s.route("/v1/allocations", methods{http.MethodGet: s.allocList})
	s.route("/v1/allocation/{id}", methods{http.MethodGet: s.allocGet})
}

func (s *HTTPServer) allocList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.AllocListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.AllocListResponse
	if err := s.backend.RPC("Alloc.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Allocations == nil {
		out.Allocations = []*structs.AllocListStub{}
	}
	return out.Allocations, nil
}

func (s *HTTPServer) allocGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.AllocSpecificRequest{AllocID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleAllocResponse
	if err := s.backend.RPC("Alloc.GetAlloc", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Alloc == nil {
		return nil, notFound("alloc")
	}
	return out.Alloc, nil
}
