package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/nomadish/nomadish/drivers/catalog"
	"github.com/nomadish/nomadish/jobspec"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobsParseBody is the body of PUT /v1/jobs/parse.
type jobsParseBody struct {
	JobHCL       string
	Canonicalize bool
	// Variables are assignments in HCL syntax: "a = 1\nb = \"x\"".
	Variables string
}

// jobsParse turns a job file (HCL2, or Nomad's JSON job format) into the
// job as JSON, for pipelines without the CLI. The server never reads
// files for it: the file and fileexists functions are unavailable. A file
// with problems is a 400 whose body lists every one with its position.
// With Canonicalize the job gets the defaults registration would fill in.
func (s *HTTPServer) jobsParse(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var body jobsParseBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.JobHCL) == "" {
		return nil, badRequest(`JobHCL: required, the contents of a job file, as {"JobHCL": "job \"web\" { ... }"}`)
	}
	res, err := jobspec.Parse(&jobspec.ParseConfig{
		Body:       []byte(body.JobHCL),
		VarContent: body.Variables,
		Drivers:    catalog.ConfigSchemas(),
		// A caller that goes away stops the work its file asked for.
		Context: r.Context(),
	})
	if err != nil {
		// The body is all the parser reads, so every failure is the
		// caller's to fix.
		return nil, badRequest("%s", err.Error())
	}
	// The body stays the job, as Nomad answers, so the warnings travel
	// in headers: the job's own warnings, the same list validate, plan
	// and register give, computed on its canonical form, and then the
	// first line of each of the parser's.
	canonical, err := canonicalJob(res.Job)
	if err != nil {
		return nil, err
	}
	setWarningHeaders(w, canonical.Warnings(), res.Warnings)
	if !body.Canonicalize {
		return res.Job, nil
	}
	return canonical, nil
}

// WarningHeader is the response header of POST /v1/jobs/parse that carries
// one warning per value (api.WarningHeader on the client's side).
const WarningHeader = "X-Nomadish-Warning"

// setWarningHeaders adds each line of jobWarnings, then the first line
// of each parser warning, as a WarningHeader value. A header value cannot
// hold a line break, so nothing else of a multi-line warning is sent.
func setWarningHeaders(w http.ResponseWriter, jobWarnings string, parserWarnings []string) {
	for _, line := range strings.Split(jobWarnings, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			w.Header().Add(WarningHeader, line)
		}
	}
	for _, pw := range parserWarnings {
		first, _, _ := strings.Cut(pw, "\n")
		if first = strings.TrimSpace(first); first != "" {
			w.Header().Add(WarningHeader, "* "+first)
		}
	}
}

// canonicalJob carries a parsed job over to the server's job type, which
// has the same JSON shape, and fills its defaults.
func canonicalJob(job interface{}) (*structs.Job, error) {
	buf, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("canonicalize parsed job: %w", err)
	}
	var out structs.Job
	if err := json.Unmarshal(buf, &out); err != nil {
		return nil, fmt.Errorf("canonicalize parsed job: %w", err)
	}
	defaultOmitted(append(append([]byte(`{"Job":`), buf...), '}'), &out)
	out.Canonicalize()
	return &out, nil
}
