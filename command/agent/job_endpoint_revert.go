package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobRevertBody is the body of PUT /v1/job/:id/revert.
type jobRevertBody struct {
	JobID               string
	JobVersion          *uint64
	EnforcePriorVersion *uint64
}

func (s *HTTPServer) jobRevert(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body jobRevertBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.JobID != "" && body.JobID != id {
		return nil, badRequest("JobID: %q does not match the job ID %q in the path", body.JobID, id)
	}
	if body.JobVersion == nil {
		return nil, badRequest(`JobVersion: required, the version to revert to, as {"JobVersion": 2}`)
	}
	args := structs.JobRevertRequest{JobID: id, JobVersion: *body.JobVersion, EnforcePriorVersion: body.EnforcePriorVersion}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.JobRegisterResponse
	if err := s.backend.RPC("Job.Revert", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobRegisterResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		JobModifyIndex: out.JobModifyIndex, Warnings: out.Warnings, Index: out.Index}, nil
}
