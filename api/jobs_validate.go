package api

import "net/http"

// JobValidateRequest is the body of PUT /v1/validate/job.
type JobValidateRequest struct {
	Job *Job
}

// JobValidateResponse lists what the server found wrong with a job. A job
// that decodes is always answered with 200; an empty ValidationErrors
// means it is valid.
type JobValidateResponse struct {
	DriverConfigValidated bool
	ValidationErrors      []string
	Error                 string
	Warnings              string
}

// Validate asks the server to check job without registering it.
func (j *Jobs) Validate(job *Job, w *WriteOptions) (*JobValidateResponse, *WriteMeta, error) {
	var resp JobValidateResponse
	wm, err := j.client.put("/v1/validate/job", &JobValidateRequest{Job: job}, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// JobsParseRequest is the body of POST /v1/jobs/parse: an HCL job file,
// variable assignments in HCL syntax, and whether to apply the defaults.
type JobsParseRequest struct {
	JobHCL       string
	Variables    string `json:",omitempty"`
	Canonicalize bool
}

// ParseHCL has the server turn an HCL job file into a Job; with
// canonicalize the defaults are applied. A file with problems is a 400
// whose body lists every one with its position.
func (j *Jobs) ParseHCL(hcl string, canonicalize bool) (*Job, error) {
	return j.ParseHCLOpts(&JobsParseRequest{JobHCL: hcl, Canonicalize: canonicalize})
}

// ParseHCLOpts is ParseHCL with variables.
func (j *Jobs) ParseHCLOpts(req *JobsParseRequest) (*Job, error) {
	var job Job
	if _, err := j.client.write(http.MethodPost, "/v1/jobs/parse", req, &job, nil); err != nil {
		return nil, err
	}
	return &job, nil
}
