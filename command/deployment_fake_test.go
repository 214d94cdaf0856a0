package command

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

// fakeDeploymentAgent serves the deployment endpoints with the server's
// rules: IDs resolve by prefix, only an active (running, paused, blocked)
// deployment can change and others get a 400, failing one with
// auto_revert reverts its job to revertTo, pausing creates no evaluation
// and failing or resuming creates one.
type fakeDeploymentAgent struct {
	fakeHTTP

	deployments map[string]*api.Deployment
	// revertTo is the job version a failed auto_revert deployment goes
	// back to.
	revertTo uint64
	nextEval int
	bodies   []string
	// allocs are each deployment's allocations, by deployment ID.
	allocs map[string][]*api.AllocationListStub
}

func newFakeDeploymentAgent(t *testing.T, deps ...*api.Deployment) *fakeDeploymentAgent {
	t.Helper()
	f := &fakeDeploymentAgent{deployments: map[string]*api.Deployment{}, allocs: map[string][]*api.AllocationListStub{}}
	for _, d := range deps {
		f.deployments[d.ID] = d
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/deployments", f.list)
	mux.HandleFunc("GET /v1/deployment/{id}", f.get)
	mux.HandleFunc("PUT /v1/deployment/fail/{id}", f.fail)
	mux.HandleFunc("PUT /v1/deployment/pause/{id}", f.pause)
	mux.HandleFunc("PUT /v1/deployment/promote/{id}", f.promote)
	mux.HandleFunc("GET /v1/deployment/allocations/{id}", f.allocations)
	mux.HandleFunc("PUT /v1/deployment/allocation-health/{id}", f.allocHealth)
	f.index = 50
	f.serve(t, mux)
	return f
}

func (f *fakeDeploymentAgent) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []*api.Deployment{}
	for _, d := range f.deployments {
		if strings.HasPrefix(d.ID, r.URL.Query().Get("prefix")) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreateIndex > out[j].CreateIndex })
	f.reply(w, out)
}

func (f *fakeDeploymentAgent) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.deployments[r.PathValue("id")]
	if d == nil {
		http.Error(w, "deployment not found", http.StatusNotFound)
		return
	}
	f.reply(w, d)
}

// activeLocked returns the deployment of the request if it can change,
// or answers the request with the server's error.
func (f *fakeDeploymentAgent) activeLocked(w http.ResponseWriter, r *http.Request) *api.Deployment {
	id := r.PathValue("id")
	d := f.deployments[id]
	if d == nil {
		http.Error(w, fmt.Sprintf("deployment %q: not found", id), http.StatusNotFound)
		return nil
	}
	switch d.Status {
	case "running", "paused", "blocked":
		return d
	}
	http.Error(w, fmt.Sprintf("1 validation error:\n  * DeploymentID: deployment %q is %s; only a running, paused or blocked deployment can change", id, d.Status), http.StatusBadRequest)
	return nil
}

func (f *fakeDeploymentAgent) newEvalLocked() string {
	f.nextEval++
	return fmt.Sprintf("eeeeeeee-0000-0000-0000-%012d", f.nextEval)
}

func (f *fakeDeploymentAgent) fail(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies = append(f.bodies, requestBody(r))
	d := f.activeLocked(w, r)
	if d == nil {
		return
	}
	f.index++
	d.Status, d.StatusDescription = "failed", "Deployment marked as failed"
	resp := api.DeploymentUpdateResponse{EvalID: f.newEvalLocked(), EvalCreateIndex: f.index, DeploymentModifyIndex: f.index, Index: f.index}
	for _, g := range d.TaskGroups {
		if g.AutoRevert {
			v := f.revertTo
			resp.RevertedJobVersion = &v
			d.StatusDescription += fmt.Sprintf(" - rolling back to job version %d", v)
			break
		}
	}
	f.reply(w, resp)
}

func (f *fakeDeploymentAgent) pause(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := requestBody(r)
	f.bodies = append(f.bodies, body)
	var req struct {
		DeploymentID string
		Pause        *bool
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil || req.Pause == nil || req.DeploymentID != r.PathValue("id") {
		http.Error(w, "bad pause body: "+body, http.StatusBadRequest)
		return
	}
	d := f.activeLocked(w, r)
	if d == nil {
		return
	}
	f.index++
	resp := api.DeploymentUpdateResponse{DeploymentModifyIndex: f.index, Index: f.index}
	if *req.Pause {
		d.Status, d.StatusDescription = "paused", "Deployment is paused"
	} else {
		d.Status, d.StatusDescription = "running", "Deployment is running"
		resp.EvalID, resp.EvalCreateIndex = f.newEvalLocked(), f.index
	}
	f.reply(w, resp)
}

// promote answers as the server does: a group named that the deployment
// lacks is refused, as is a group with fewer healthy allocations than
// desired canaries (the fake counts HealthyAllocs as healthy canaries).
func (f *fakeDeploymentAgent) promote(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := requestBody(r)
	f.bodies = append(f.bodies, body)
	var req struct {
		DeploymentID string
		All          bool
		Groups       []string
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil || req.DeploymentID != r.PathValue("id") || (!req.All && len(req.Groups) == 0) {
		http.Error(w, "bad promote body: "+body, http.StatusBadRequest)
		return
	}
	d := f.activeLocked(w, r)
	if d == nil {
		return
	}
	groups := req.Groups
	if req.All {
		groups = nil
		for name := range d.TaskGroups {
			groups = append(groups, name)
		}
	}
	for _, name := range groups {
		g := d.TaskGroups[name]
		if g == nil {
			http.Error(w, fmt.Sprintf("1 validation error:\n  * Groups: deployment %q has no group %q", d.ID, name), http.StatusBadRequest)
			return
		}
		if g.HealthyAllocs < g.DesiredCanaries {
			http.Error(w, fmt.Sprintf("1 validation error:\n  * Groups: group %q has %d of %d canaries healthy", name, g.HealthyAllocs, g.DesiredCanaries), http.StatusBadRequest)
			return
		}
	}
	for _, name := range groups {
		d.TaskGroups[name].Promoted = true
	}
	f.index++
	f.reply(w, api.DeploymentUpdateResponse{EvalID: f.newEvalLocked(), EvalCreateIndex: f.index, DeploymentModifyIndex: f.index, Index: f.index})
}

func (f *fakeDeploymentAgent) allocations(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.allocs[r.PathValue("id")]
	if out == nil {
		out = []*api.AllocationListStub{}
	}
	f.reply(w, out)
}

// allocHealth takes any IDs of the deployment's allocations, as the
// server does, and refuses others.
func (f *fakeDeploymentAgent) allocHealth(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := requestBody(r)
	f.bodies = append(f.bodies, body)
	var req struct {
		DeploymentID                                 string
		HealthyAllocationIDs, UnhealthyAllocationIDs []string
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil || req.DeploymentID != r.PathValue("id") {
		http.Error(w, "bad allocation-health body: "+body, http.StatusBadRequest)
		return
	}
	d := f.activeLocked(w, r)
	if d == nil {
		return
	}
	f.index++
	f.reply(w, api.DeploymentUpdateResponse{DeploymentModifyIndex: f.index, Index: f.index})
}

func (f *fakeDeploymentAgent) lastBody() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		return ""
	}
	return f.bodies[len(f.bodies)-1]
}

// requestBody reads the request's body as a string.
func requestBody(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// fakeDeployment is a deployment of job web with one group.
func fakeDeployment(id, status string, version uint64, createIndex uint64) *api.Deployment {
	return &api.Deployment{ID: id, Namespace: "default", JobID: "web", JobVersion: version, Status: status,
		StatusDescription: "Deployment is " + status, CreateIndex: createIndex, ModifyIndex: createIndex,
		TaskGroups: map[string]*api.DeploymentState{"frontend": {DesiredTotal: 3, PlacedAllocs: 2, HealthyAllocs: 1}}}
}
