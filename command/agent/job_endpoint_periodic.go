package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// periodicForceResponse is what PUT /v1/job/:id/periodic/force answers.
type periodicForceResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	Index           uint64
}

func (s *HTTPServer) jobPeriodicForce(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.PeriodicForceRequest{JobID: r.PathValue("id")}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.PeriodicForceResponse
	if err := s.backend.RPC("Job.PeriodicForce", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return periodicForceResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex, Index: out.Index}, nil
}
