package agent

import (
	"fmt"
	"net/http"
	"strings"
)

// unescapedJobHandler serves /v1/job/<id>/<suffix> when the ID holds a
// "/" that the client did not escape, as the IDs of dispatched and
// periodic children do ("batch/periodic-1700000000"). Escaped IDs
// ("batch%2Fperiodic-1700000000") match the /v1/job/{id} patterns
// directly; this catch-all takes the longest known suffix off the path
// and treats the rest as the ID, as Nomad's router does.
func unescapedJobHandler(routes []jobRoute) handlerFunc {
	type suffixed struct {
		suffix   string
		dispatch handlerFunc
	}
	var list []suffixed
	var self handlerFunc
	for _, jr := range routes {
		if jr.suffix == "" {
			self = jr.methods.dispatch()
			continue
		}
		list = append(list, suffixed{jr.suffix, jr.methods.dispatch()})
	}
	return func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
		rest := r.PathValue("rest")
		if rest == "" || strings.HasSuffix(rest, "/") {
			return nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("no such endpoint %s %s; want /v1/job/<job ID>[/<resource>]", r.Method, r.URL.Path)}
		}
		best := -1
		for i, sf := range list {
			if id, ok := strings.CutSuffix(rest, sf.suffix); ok && id != "" && (best < 0 || len(sf.suffix) > len(list[best].suffix)) {
				best = i
			}
		}
		if best < 0 {
			r.SetPathValue("id", rest)
			return self(w, r)
		}
		r.SetPathValue("id", strings.TrimSuffix(rest, list[best].suffix))
		return list[best].dispatch(w, r)
	}
}
