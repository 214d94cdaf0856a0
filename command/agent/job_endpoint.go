package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerJobRoutes() {
	s.route("/v1/jobs", methods{
		http.MethodGet:  s.jobList,
		http.MethodPut:  s.jobRegister,
		http.MethodPost: s.jobRegister,
	})
	s.registerJobOpsRoutes()
	for _, jr := range s.jobRoutes() {
		s.route("/v1/job/{id}"+jr.suffix, jr.methods)
	}
	s.mux.Handle("/v1/job/{rest...}", s.wrap(unescapedJobHandler(s.jobRoutes())))
}

// jobRoute is one resource under /v1/job/:id, by path suffix ("" is the
// job itself).
type jobRoute struct {
	suffix  string
	methods methods
}

// jobRoutes lists the resources under /v1/job/:id.
func (s *HTTPServer) jobRoutes() []jobRoute {
	return []jobRoute{
		{"", methods{
			http.MethodGet:    s.jobGet,
			http.MethodPut:    s.jobUpdate,
			http.MethodPost:   s.jobUpdate,
			http.MethodDelete: s.jobDeregister,
		}},
		{"/allocations", methods{http.MethodGet: s.jobAllocations}},
		{"/evaluations", methods{http.MethodGet: s.jobEvaluations}},
		{"/versions", methods{http.MethodGet: s.jobVersions}},
		{"/summary", methods{http.MethodGet: s.jobSummary}},
		{"/deployments", methods{http.MethodGet: s.jobDeployments}},
		{"/deployment", methods{http.MethodGet: s.jobLatestDeployment}},
		{"/plan", methods{http.MethodPut: s.jobPlan, http.MethodPost: s.jobPlan}},
		{"/revert", methods{http.MethodPut: s.jobRevert, http.MethodPost: s.jobRevert}},
		{"/scale", methods{http.MethodGet: s.jobScaleStatus, http.MethodPut: s.jobScale, http.MethodPost: s.jobScale}},
		{"/dispatch", methods{http.MethodPut: s.jobDispatch, http.MethodPost: s.jobDispatch}},
		{"/periodic/force", methods{http.MethodPut: s.jobPeriodicForce, http.MethodPost: s.jobPeriodicForce}},
		{"/evaluate", methods{http.MethodPut: s.jobEvaluate, http.MethodPost: s.jobEvaluate}},
	}
}

// jobRegisterBody is the body of PUT /v1/jobs and PUT /v1/job/:id.
type jobRegisterBody struct {
	Job            *structs.Job
	EnforceIndex   bool
	JobModifyIndex uint64
	PolicyOverride bool
	PreserveCounts bool
	EvalPriority   int
}

// jobRegisterResponse is what PUT /v1/jobs answers: the write's fields
// without the read metadata (KnownLeader, LastContact) the RPC reply embeds.
type jobRegisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	Warnings        string
	Index           uint64
}

// jobDeregisterResponse is what DELETE /v1/job/:id answers.
type jobDeregisterResponse struct {
	EvalID          string
	EvalCreateIndex uint64
	JobModifyIndex  uint64
	Index           uint64
}

func (s *HTTPServer) jobList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.JobListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobListResponse
	if err := s.backend.RPC("Job.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Jobs == nil {
		out.Jobs = []*structs.JobListStub{}
	}
	return out.Jobs, nil
}

func (s *HTTPServer) jobRegister(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.register(w, r, "")
}

// jobUpdate is PUT /v1/job/:id: a registration whose body must name the
// job of the path.
func (s *HTTPServer) jobUpdate(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.register(w, r, r.PathValue("id"))
}

func (s *HTTPServer) register(w http.ResponseWriter, r *http.Request, pathID string) (interface{}, error) {
	var body jobRegisterBody
	if err := decodeJobBody(r, &body, func() *structs.Job { return body.Job }); err != nil {
		return nil, err
	}
	if body.Job == nil {
		return nil, badRequest(`Job: missing; the body must be {"Job": {...}}`)
	}
	if pathID != "" && body.Job.ID != pathID {
		return nil, badRequest("Job.ID: %q does not match the job ID %q in the path", body.Job.ID, pathID)
	}
	args := structs.JobRegisterRequest{
		Job:            body.Job,
		EnforceIndex:   body.EnforceIndex,
		JobModifyIndex: body.JobModifyIndex,
		PolicyOverride: body.PolicyOverride,
		PreserveCounts: body.PreserveCounts,
		EvalPriority:   body.EvalPriority,
	}
	s.parseWriteRequest(r, &args.WriteRequest)
	// The job's own region and namespace route the request unless the
	// query names them; a query that contradicts the job is a mistake.
	q := r.URL.Query()
	switch qr := q.Get("region"); {
	case qr == "" && body.Job.Region != "":
		args.Region = body.Job.Region
	case qr != "" && body.Job.Region != "" && body.Job.Region != qr:
		return nil, badRequest("Job.Region: %q does not match the region %q of the query", body.Job.Region, qr)
	}
	switch ns := q.Get("namespace"); {
	case ns == "":
		args.Namespace = body.Job.Namespace
	case body.Job.Namespace == "":
		body.Job.Namespace = ns
	case body.Job.Namespace != ns:
		return nil, badRequest("Job.Namespace: %q does not match the namespace %q of the query", body.Job.Namespace, ns)
	}
	var out structs.JobRegisterResponse
	if err := s.backend.RPC("Job.Register", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobRegisterResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		JobModifyIndex: out.JobModifyIndex, Warnings: out.Warnings, Index: out.Index}, nil
}

func (s *HTTPServer) jobGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleJobResponse
	if err := s.backend.RPC("Job.GetJob", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Job == nil {
		return nil, notFound("job")
	}
	return out.Job, nil
}

func (s *HTTPServer) jobDeregister(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	purge, err := boolParam(r, "purge")
	if err != nil {
		return nil, err
	}
	global, err := boolParam(r, "global")
	if err != nil {
		return nil, err
	}
	args := structs.JobDeregisterRequest{JobID: r.PathValue("id"), Purge: purge, Global: global}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.JobDeregisterResponse
	if err := s.backend.RPC("Job.Deregister", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return jobDeregisterResponse{EvalID: out.EvalID, EvalCreateIndex: out.EvalCreateIndex,
		JobModifyIndex: out.JobModifyIndex, Index: out.Index}, nil
}

func (s *HTTPServer) jobAllocations(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	all, err := boolParam(r, "all")
	if err != nil {
		return nil, err
	}
	args := structs.JobSpecificRequest{JobID: r.PathValue("id"), All: all}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobAllocationsResponse
	if err := s.backend.RPC("Job.Allocations", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Allocations == nil {
		out.Allocations = []*structs.AllocListStub{}
	}
	return out.Allocations, nil
}

func (s *HTTPServer) jobEvaluations(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobEvaluationsResponse
	if err := s.backend.RPC("Job.Evaluations", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Evaluations == nil {
		out.Evaluations = []*structs.Evaluation{}
	}
	return out.Evaluations, nil
}

func (s *HTTPServer) jobVersions(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	diffs, err := boolParam(r, "diffs")
	if err != nil {
		return nil, err
	}
	args := structs.JobVersionsRequest{JobID: r.PathValue("id"), Diffs: diffs}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobVersionsResponse
	if err := s.backend.RPC("Job.GetJobVersions", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if len(out.Versions) == 0 {
		return nil, notFound("job")
	}
	return out, nil
}

func (s *HTTPServer) jobSummary(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.JobSpecificRequest{JobID: r.PathValue("id")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.JobSummaryResponse
	if err := s.backend.RPC("Job.Summary", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.JobSummary == nil {
		return nil, notFound("job summary")
	}
	return out.JobSummary, nil
}
