package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// registerScalingRoutes registers Nomad's scaling policy endpoints: the
// policies are the groups' scaling blocks, with IDs stable across job
// versions.
func (s *HTTPServer) registerScalingRoutes() {
	s.route("/v1/scaling/policies", methods{http.MethodGet: s.scalingPolicyList})
	s.route("/v1/scaling/policy/{id}", methods{http.MethodGet: s.scalingPolicyGet})
}

// scalingPolicyList is GET /v1/scaling/policies, with Nomad's job and
// type query parameters.
func (s *HTTPServer) scalingPolicyList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.ScalingPolicyListRequest{Job: r.URL.Query().Get("job"), Type: r.URL.Query().Get("type")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.ScalingPolicyListResponse
	if err := s.backend.RPC("Scaling.ListPolicies", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Policies == nil {
		out.Policies = []*structs.ScalingPolicyListStub{}
	}
	return out.Policies, nil
}

// scalingPolicyGet is GET /v1/scaling/policy/:id; an unknown ID is a 404.
func (s *HTTPServer) scalingPolicyGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.ScalingPolicySpecificRequest{ID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleScalingPolicyResponse
	if err := s.backend.RPC("Scaling.GetPolicy", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Policy == nil {
		return nil, notFound("scaling policy")
	}
	return out.Policy, nil
}
