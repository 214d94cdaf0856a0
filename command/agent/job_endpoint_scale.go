package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobScaleBody is the body of PUT /v1/job/:id/scale.
type jobScaleBody struct {
	Count          *int64
	Target         map[string]string
	Message        string
	Error          bool
	Meta           map[string]interface{}
	PolicyOverride bool
}

func (s *HTTPServer) jobScale(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	id := r.PathValue("id")
	var body jobScaleBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if j := body.Target[structs.ScalingTargetJob]; j != "" && j != id {
		return nil, badRequest("Target.Job: %q does not match the job ID %q in the path", j, id)
	}
	args := structs.JobScaleRequest{JobID: id, Target: body.Target, Count: body.Count, Message: body.Message,
		Error: body.Error, Meta: body.Meta, PolicyOverride: body.PolicyOverride}
	s.parseWriteRequest(r, &args.WriteRequest)
	if ns := body.Target[structs.ScalingTargetNamespace]; ns != "" {
		if q := r.URL.Query().Get("namespace"); q != "" && q != ns {
			return nil, badRequest("Target.Namespace: %q does not match the namespace %q of the query", ns, q)
		}
		args.Namespace = ns
	}
	var out structs.JobRegisterResponse
	if err := s.backend.RPC("Job.Scale", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobRegisterResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		JobModifyIndex: out.JobModifyIndex, Warnings: out.Warnings, Index: out.Index}, nil
}

func (s *HTTPServer) jobScaleStatus(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobScaleStatusResponse
	if err := s.backend.RPC("Job.ScaleStatus", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.JobScaleStatus == nil {
		return nil, notFound("job")
	}
	return out.JobScaleStatus, nil
}
