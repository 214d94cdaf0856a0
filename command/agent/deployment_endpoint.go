package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerDeploymentRoutes() {
	s.route("/v1/deployments", methods{http.MethodGet: s.deploymentList})
	s.route("/v1/deployment/{id}", methods{http.MethodGet: s.deploymentGet})
	s.route("/v1/deployment/fail/{id}", methods{http.MethodPut: s.deploymentFail, http.MethodPost: s.deploymentFail})
	s.route("/v1/deployment/unblock/{id}", methods{http.MethodPut: s.deploymentUnblock, http.MethodPost: s.deploymentUnblock})
	s.route("/v1/deployment/pause/{id}", methods{http.MethodPut: s.deploymentPause, http.MethodPost: s.deploymentPause})
	s.route("/v1/deployment/promote/{id}", methods{http.MethodPut: s.deploymentPromote, http.MethodPost: s.deploymentPromote})
	s.route("/v1/deployment/allocations/{id}", methods{http.MethodGet: s.deploymentAllocations})
	s.route("/v1/deployment/allocation-health/{id}", methods{http.MethodPut: s.deploymentAllocHealth, http.MethodPost: s.deploymentAllocHealth})
}

func (s *HTTPServer) deploymentList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.DeploymentListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.DeploymentListResponse
	if err := s.backend.RPC("Deployment.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	return out.Deployments, nil
}

func (s *HTTPServer) deploymentGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.DeploymentSpecificRequest{DeploymentID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleDeploymentResponse
	if err := s.backend.RPC("Deployment.GetDeployment", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Deployment == nil {
		return nil, notFound("deployment")
	}
	return out.Deployment, nil
}

// deploymentAllocations is GET /v1/deployment/allocations/:id: the
// deployment's allocations as stubs; an unknown deployment is a 404.
func (s *HTTPServer) deploymentAllocations(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.DeploymentSpecificRequest{DeploymentID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobAllocationsResponse
	if err := s.backend.RPC("Deployment.Allocations", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Allocations == nil {
		out.Allocations = []*structs.AllocListStub{}
	}
	return out.Allocations, nil
}

// jobDeployments is GET /v1/job/:id/deployments.
func (s *HTTPServer) jobDeployments(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.DeploymentListResponse
	if err := s.backend.RPC("Job.Deployments", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	return out.Deployments, nil
}

// jobLatestDeployment is GET /v1/job/:id/deployment: the newest
// deployment, or null when the job has none (as Nomad answers).
func (s *HTTPServer) jobLatestDeployment(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleDeploymentResponse
	if err := s.backend.RPC("Job.LatestDeployment", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	return out.Deployment, nil
}

// deploymentUpdateResponse is the answer of PUT /v1/deployment/fail/:id
// and /v1/deployment/pause/:id, in Nomad's shape.
type deploymentUpdateResponse struct {
	EvalID                string
	EvalCreateIndex       uint64
	DeploymentModifyIndex uint64
	RevertedJobVersion    *uint64
	Index                 uint64
}

func toDeploymentUpdateResponse(w http.ResponseWriter, out *structs.DeploymentUpdateResponse) deploymentUpdateResponse {
	setIndex(w, out.Index)
	return deploymentUpdateResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		DeploymentModifyIndex: out.DeploymentModifyIndex, RevertedJobVersion: out.RevertedJobVersion, Index: out.Index}
}

// deploymentFail is PUT /v1/deployment/fail/:id.
func (s *HTTPServer) deploymentFail(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.DeploymentFailRequest{DeploymentID: r.PathValue("id")}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.DeploymentUpdateResponse
	if err := s.backend.RPC("Deployment.Fail", &args, &out); err != nil {
		return nil, err
	}
	return toDeploymentUpdateResponse(w, &out), nil
}

// deploymentUnblock is PUT /v1/deployment/unblock/:id: a blocked
// multiregion deployment is marked successful.
func (s *HTTPServer) deploymentUnblock(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.DeploymentFailRequest{DeploymentID: r.PathValue("id")}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.DeploymentUpdateResponse
	if err := s.backend.RPC("Deployment.Unblock", &args, &out); err != nil {
		return nil, err
	}
	return toDeploymentUpdateResponse(w, &out), nil
}

// deploymentPauseBody is the body of PUT /v1/deployment/pause/:id.
type deploymentPauseBody struct {
	DeploymentID string
	Pause        *bool
}

// deploymentPause is PUT /v1/deployment/pause/:id: {"Pause": true}
// pauses, {"Pause": false} resumes.
func (s *HTTPServer) deploymentPause(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body deploymentPauseBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.DeploymentID != "" && body.DeploymentID != id {
		return nil, badRequest("DeploymentID: %q does not match the deployment ID %q in the path", body.DeploymentID, id)
	}
	if body.Pause == nil {
		return nil, badRequest(`Pause: required, true to pause or false to resume, as {"Pause": true}`)
	}
	args := structs.DeploymentPauseRequest{DeploymentID: id, Pause: *body.Pause}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.DeploymentUpdateResponse
	if err := s.backend.RPC("Deployment.Pause", &args, &out); err != nil {
		return nil, err
	}
	return toDeploymentUpdateResponse(w, &out), nil
}

// deploymentPromoteBody is the body of PUT /v1/deployment/promote/:id.
type deploymentPromoteBody struct {
	DeploymentID string
	All          bool
	Groups       []string
}

// deploymentPromote is PUT /v1/deployment/promote/:id: {"All": true}
// promotes every group with canaries, {"Groups": ["web"]} the named ones.
func (s *HTTPServer) deploymentPromote(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body deploymentPromoteBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.DeploymentID != "" && body.DeploymentID != id {
		return nil, badRequest("DeploymentID: %q does not match the deployment ID %q in the path", body.DeploymentID, id)
	}
	if !body.All && len(body.Groups) == 0 {
		return nil, badRequest(`All or Groups: required, as {"All": true} or {"Groups": ["web"]}`)
	}
	args := structs.DeploymentPromoteRequest{DeploymentID: id, All: body.All, Groups: body.Groups}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.DeploymentUpdateResponse
	if err := s.backend.RPC("Deployment.Promote", &args, &out); err != nil {
		return nil, err
	}
	return toDeploymentUpdateResponse(w, &out), nil
}

// deploymentAllocHealthBody is the body of PUT
// /v1/deployment/allocation-health/:id, as Nomad documents it.
type deploymentAllocHealthBody struct {
	DeploymentID           string
	HealthyAllocationIDs   []string
	UnhealthyAllocationIDs []string
}

// deploymentAllocHealth is PUT /v1/deployment/allocation-health/:id:
// {"HealthyAllocationIDs": [...], "UnhealthyAllocationIDs": [...]} sets
// those allocations' deployment health by hand.
func (s *HTTPServer) deploymentAllocHealth(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body deploymentAllocHealthBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.DeploymentID != "" && body.DeploymentID != id {
		return nil, badRequest("DeploymentID: %q does not match the deployment ID %q in the path", body.DeploymentID, id)
	}
	if len(body.HealthyAllocationIDs)+len(body.UnhealthyAllocationIDs) == 0 {
		return nil, badRequest(`HealthyAllocationIDs or UnhealthyAllocationIDs: name at least one allocation, as {"HealthyAllocationIDs": ["<alloc id>"]}`)
	}
	args := structs.DeploymentAllocHealthRequest{DeploymentID: id,
		HealthyAllocationIDs: body.HealthyAllocationIDs, UnhealthyAllocationIDs: body.UnhealthyAllocationIDs}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.DeploymentUpdateResponse
	if err := s.backend.RPC("Deployment.SetAllocHealth", &args, &out); err != nil {
		return nil, err
	}
	return toDeploymentUpdateResponse(w, &out), nil
}
