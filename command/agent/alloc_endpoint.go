package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerAllocRoutes() {
	s.route("/v1/allocations", methods{http.MethodGet: s.allocList})
	s.route("/v1/allocation/{id}", methods{http.MethodGet: s.allocGet})
	s.route("/v1/allocation/{id}/stop", methods{http.MethodPut: s.allocStop, http.MethodPost: s.allocStop})
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

// allocStop stops an allocation and has the scheduler replace it
// (?no_shutdown_delay skips the shutdown delay); it answers the
// evaluation's ID and the write's index.
func (s *HTTPServer) allocStop(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.AllocStopRequest{AllocID: r.PathValue("id")}
	s.parseWriteRequest(r, &args.WriteRequest)
	var err error
	if args.NoShutdownDelay, err = boolParam(r, "no_shutdown_delay"); err != nil {
		return nil, err
	}
	var out structs.AllocStopResponse
	if err := s.backend.RPC("Alloc.Stop", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return out, nil
}
