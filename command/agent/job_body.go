package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobCountProbe is a light view of a body holding a job, to see which
// task groups gave a Count at all.
type jobCountProbe struct {
	Job *struct {
		TaskGroups []*struct {
			Count *int
		}
	}
}

// decodeJobBody decodes a body of the form {"Job": {...}, ...} into out,
// whose Job field is *structs.Job, and defaults the Count of every task
// group that left it out (or sent null) to 1, as Nomad does. Decoding
// straight into structs.Job cannot tell a missing Count from 0.
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
	defaultGroupCounts(body, job())
	return nil
}

// defaultGroupCounts sets Count to 1 on the groups of j whose Count is
// absent from body.
func defaultGroupCounts(body []byte, j *structs.Job) {
	if j == nil {
		return
	}
	var probe jobCountProbe
	if err := json.Unmarshal(body, &probe); err != nil || probe.Job == nil {
		return
	}
	for i, g := range probe.Job.TaskGroups {
		if i >= len(j.TaskGroups) || j.TaskGroups[i] == nil {
			continue
		}
		if g == nil || g.Count == nil {
			j.TaskGroups[i].Count = 1
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
