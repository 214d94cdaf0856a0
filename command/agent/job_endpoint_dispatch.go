package agent

import (
	"encoding/base64"
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobDispatchBody is the body of PUT /v1/job/:id/dispatch; Payload is
// base64, as encoding/json carries []byte. It is decoded here to say
// which field was wrong.
type jobDispatchBody struct {
	JobID            string
	Payload          string
	Meta             map[string]string
	IdPrefixTemplate string
}

// jobDispatchResponse is what PUT /v1/job/:id/dispatch answers.
type jobDispatchResponse struct {
	DispatchedJobID string
	EvalID          string
	EvalCreateIndex uint64
	JobCreateIndex  uint64
	Index           uint64
}

func (s *HTTPServer) jobDispatch(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body jobDispatchBody
	if err := decodeOptionalBody(r, &body); err != nil {
		return nil, err
	}
	if body.JobID != "" && body.JobID != id {
		return nil, badRequest("JobID: %q does not match the job ID %q in the path", body.JobID, id)
	}
	payload, err := base64.StdEncoding.DecodeString(body.Payload)
	if err != nil {
		return nil, badRequest("Payload: not valid base64 (%v); send the payload base64-encoded with padding, as encoding/json does for bytes", err)
	}
	args := structs.JobDispatchRequest{JobID: id, Payload: payload, Meta: body.Meta, IdPrefixTemplate: body.IdPrefixTemplate}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.JobDispatchResponse
	if err := s.backend.RPC("Job.Dispatch", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobDispatchResponse{DispatchedJobID: out.DispatchedJobID, EvalID: out.EvalID,
		EvalCreateIndex: out.EvalCreateIndex, JobCreateIndex: out.JobCreateIndex, Index: out.Index}, nil
}
