package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerEvalRoutes() {
	s.route("/v1/evaluations", methods{http.MethodGet: s.evalList})
	s.route("/v1/evaluation/{id}", methods{http.MethodGet: s.evalGet})
	s.route("/v1/evaluation/{id}/allocations", methods{http.MethodGet: s.evalAllocations})
}

func (s *HTTPServer) evalList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.EvalListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.EvalListResponse
	if err := s.backend.RPC("Eval.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Evaluations == nil {
		out.Evaluations = []*structs.Evaluation{}
	}
	return out.Evaluations, nil
}

func (s *HTTPServer) evalGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.EvalSpecificRequest{EvalID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleEvalResponse
	if err := s.backend.RPC("Eval.GetEval", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Eval == nil {
		return nil, notFound("eval")
	}
	return out.Eval, nil
}

func (s *HTTPServer) evalAllocations(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.EvalSpecificRequest{EvalID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobAllocationsResponse
	if err := s.backend.RPC("Eval.Allocations", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Allocations == nil {
		out.Allocations = []*structs.AllocListStub{}
	}
	return out.Allocations, nil
}
