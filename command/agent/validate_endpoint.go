package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobValidateBody is the body of PUT /v1/validate/job.
type jobValidateBody struct {
	Job *structs.Job
}

// jobValidate answers 200 with every problem of a job that decodes; only
// a body that is not a job is a 400. Driver configs are not checked here
// yet (DriverConfigValidated is false); the CLI checks them against the
// driver schemas when it parses the file.
func (s *HTTPServer) jobValidate(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var body jobValidateBody
	if err := decodeJobBody(r, &body, func() *structs.Job { return body.Job }); err != nil {
		return nil, err
	}
	if body.Job == nil {
		return nil, badRequest(`Job: missing; the body must be {"Job": {...}}`)
	}
	args := structs.JobValidateRequest{Job: body.Job}
	if err := s.routeByJob(r, body.Job, &args.WriteRequest); err != nil {
		return nil, err
	}
	var out structs.JobValidateResponse
	if err := s.backend.RPC("Job.Validate", &args, &out); err != nil {
		return nil, err
	}
	if out.ValidationErrors == nil {
		out.ValidationErrors = []string{}
	}
	return out, nil
}
