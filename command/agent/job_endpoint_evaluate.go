package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobEvaluateBody is the optional body of PUT /v1/job/:id/evaluate.
type jobEvaluateBody struct {
	JobID       string
	EvalOptions structs.EvalOptions
}

// jobEvaluateResponse is what PUT /v1/job/:id/evaluate answers.
type jobEvaluateResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	Index           uint64
}

func (s *HTTPServer) jobEvaluate(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body jobEvaluateBody
	if err := decodeOptionalBody(r, &body); err != nil {
		return nil, err
	}
	if body.JobID != "" && body.JobID != id {
		return nil, badRequest("JobID: %q does not match the job ID %q in the path", body.JobID, id)
	}
	args := structs.JobEvaluateRequest{JobID: id, EvalOptions: body.EvalOptions}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.JobRegisterResponse
	if err := s.backend.RPC("Job.Evaluate", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobEvaluateResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		JobModifyIndex: out.JobModifyIndex, Index: out.Index}, nil
}
