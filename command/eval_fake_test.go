package command

import (
	"net/http"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// The fake agent's evaluation listings, as the server answers them: GET
// /v1/evaluations filtered by ID prefix, GET /v1/job/:id/evaluations by
// job (an empty list for a job without any). Both read fakeAgent.evals.

// addEval stores an evaluation that stays in its status on every read.
func (f *fakeAgent) addEval(e *api.Evaluation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.evals[e.ID] = &fakeEval{eval: e, script: []string{e.Status}}
}

func (f *fakeAgent) listEvals(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prefix := r.URL.Query().Get("prefix")
	out := []*api.Evaluation{}
	for id, fe := range f.evals {
		if strings.HasPrefix(id, prefix) {
			out = append(out, fe.eval)
		}
	}
	f.reply(w, out)
}

func (f *fakeAgent) jobEvals(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []*api.Evaluation{}
	for _, fe := range f.evals {
		if fe.eval.JobID == r.PathValue("id") {
			out = append(out, fe.eval)
		}
	}
	f.reply(w, out)
}
