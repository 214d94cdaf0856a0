package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobBodyProbe is a light view of a body holding a job, to see which
// arguments with a default other than the zero value the body left out.
// Decoding straight into structs.Job cannot tell a missing Count from 0,
// or a missing Vault.Env from false.
type jobBodyProbe struct {
	Job *struct {
		TaskGroups []*struct {
			Count *int
			Tasks []*struct {
				Vault *struct {
					Env *bool
				}
			}
		}
	}
}

// decodeJobBody decodes a body of the form {"Job": {...}, ...} into out,
// whose Job field is *structs.Job, and fills the defaults of the
// arguments the body left out (or sent null) as Nomad does
// (defaultOmitted).
func decodeJobBody(r *http.Request, out interface{}, job func() *structs.Job) error {
	if r.Body == nil {
		return badRequest("request body is empty; want a JSON object")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("reading request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeBody(r, out); err != nil {
		return err
	}
	defaultOmitted(body, job())
	return nil
}

// defaultOmitted fills, on j decoded from body, the defaults Nomad gives
// arguments a JSON job leaves out: a task group's Count is 1, and a task's
// vault block has Env = true (the token in VAULT_TOKEN) and ChangeMode
// "restart", as jobspec does for a vault block in a job file.
func defaultOmitted(body []byte, j *structs.Job) {
	if j == nil {
		return
	}
	var probe jobBodyProbe
	if err := json.Unmarshal(body, &probe); err != nil || probe.Job == nil {
		return
	}
	for i, g := range probe.Job.TaskGroups {
		if i >= len(j.TaskGroups) || j.TaskGroups[i] == nil {
			continue
		}
		tg := j.TaskGroups[i]
		if g == nil || g.Count == nil {
			tg.Count = 1
		}
		if g == nil {
			continue
		}
		for k, pt := range g.Tasks {
			if k >= len(tg.Tasks) || tg.Tasks[k] == nil || tg.Tasks[k].Vault == nil {
				continue
			}
			v := tg.Tasks[k].Vault
			if pt == nil || pt.Vault == nil || pt.Vault.Env == nil {
				v.Env = true
			}
			if v.ChangeMode == "" {
				v.ChangeMode = "restart"
			}
		}
	}
}

// routeByJob fills a write's region and namespace for a body that holds a
// job: the job's own region and namespace route the request unless the
// query names them, and a query that contradicts the job is a mistake.
func (s *HTTPServer) routeByJob(r *http.Request, job *structs.Job, wr *structs.WriteRequest) error {
	s.parseWriteRequest(r, wr)
	q := r.URL.Query()
	switch qr := q.Get("region"); {
	case qr == "" && job.Region != "":
		wr.Region = job.Region
	case qr != "" && job.Region != "" && job.Region != qr:
		return badRequest("Job.Region: %q does not match the region %q of the query", job.Region, qr)
	}
	switch ns := q.Get("namespace"); {
	case ns == "":
		wr.Namespace = job.Namespace
	case job.Namespace == "":
		job.Namespace = ns
	case job.Namespace != ns:
		return badRequest("Job.Namespace: %q does not match the namespace %q of the query", job.Namespace, ns)
	}
	return nil
}

// decodeOptionalBody is decodeBody for endpoints whose body may be
// absent or empty.
func decodeOptionalBody(r *http.Request, out interface{}) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("reading request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decodeBody(r, out)
}
