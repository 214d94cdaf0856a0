package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerDeploymentRoutes() {
	s.route("/v1/deployments", methods{http.MethodGet: s.deploymentList})
	s.route("/v1/deployment/{id}", methods{http.MethodGet: s.deploymentGet})
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
