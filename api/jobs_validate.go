package api

import (
	"net/http"
	"strings"
)

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
	job, _, err := j.ParseHCLWarnings(req)
	return job, err
}

// WarningHeader is the response header of POST /v1/jobs/parse that carries
// the job's warnings, one per value, since the body is the job itself.
const WarningHeader = "X-Nomadish-Warning"

// ParseHCLWarnings is ParseHCLOpts that also returns the job's warnings in
// the form the other job endpoints give them: one warning per line, each
// starting "* ", the same text as JobValidateResponse.Warnings,
// JobPlanResponse.Warnings and JobRegisterResponse.Warnings for the same
// job, followed by the first line of each warning the parser gave.
func (j *Jobs) ParseHCLWarnings(req *JobsParseRequest) (*Job, string, error) {
	r, err := j.client.newRequest(http.MethodPost, "/v1/jobs/parse")
	if err != nil {
		return nil, "", err
	}
	r.setWriteOptions(j.client, nil)
	r.body = req
	resp, _, err := j.client.do(r)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var job Job
	if err := decodeBody(resp, &job, http.MethodPost+" "+r.path); err != nil {
		return nil, "", err
	}
	return &job, strings.Join(resp.Header.Values(WarningHeader), "\n"), nil
}
