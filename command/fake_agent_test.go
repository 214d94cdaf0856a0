package command

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/api"
)

// fakeAgent is an HTTP server that behaves like a small nomadish agent:
// it keeps jobs, evaluations and allocations in memory, advances a Raft
// index on every write and answers with Nomad-shaped JSON and headers.
// Tests set its fields before running a command and inspect them after.
type fakeAgent struct {
	fakeHTTP // index: the fake Raft index, bumped on every write
	t        *testing.T

	jobs map[string]*api.Job
	// summaries and allocs are per job ID.
	summaries map[string]*api.JobSummary
	allocs    map[string][]*api.AllocationListStub
	evals     map[string]*fakeEval
	nextEval  int
	// evalScript is the statuses a newly created evaluation goes through,
	// one per read; the last one sticks. Default: stays "pending".
	evalScript []string
	// evalFailures, when set, becomes FailedTGAllocs of new evaluations.
	evalFailures map[string]*api.AllocationMetric
	// evalAllocs are returned by /v1/evaluation/:id/allocations.
	evalAllocs []*api.AllocationListStub
	// registerError, when set, is the status and body of every PUT /v1/jobs.
	registerStatus int
	registerBody   string

	// versions holds every registered version of each job, newest first.
	versions map[string][]*api.Job
	// versionDiffs is returned as Diffs by GET /v1/job/:id/versions.
	versionDiffs []*api.JobDiff
	// plan is the answer of PUT /v1/job/:id/plan; nil is a 500.
	plan *api.JobPlanResponse
	// validate is the answer of PUT /v1/validate/job.
	validate *api.JobValidateResponse
	// deployments are the latest deployment by job ID; absent is a 404.
	deployments map[string]*api.Deployment

	members    *api.ServerMembers
	wanMembers *api.ServerMembers
	leaders    map[string]string // by region; "" key is the agent's own
	raft       *api.RaftConfiguration
	joinResult string // body of PUT /v1/agent/join

	// bodies records the body of every write (fakeHTTP.requests has
	// "METHOD /path?query" of every request).
	bodies []string
}

type fakeEval struct {
	eval   *api.Evaluation
	script []string
	reads  int
}

func newFakeAgent(t *testing.T) *fakeAgent {
	t.Helper()
	f := &fakeAgent{
		t:         t,
		jobs:      map[string]*api.Job{},
		summaries: map[string]*api.JobSummary{},
		allocs:    map[string][]*api.AllocationListStub{},
		evals:     map[string]*fakeEval{},
		leaders:   map[string]string{},
		versions:  map[string][]*api.Job{},
		validate:  &api.JobValidateResponse{},

		deployments: map[string]*api.Deployment{},
	}
	f.index = 10
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/jobs", f.listJobs)
	mux.HandleFunc("PUT /v1/jobs", f.registerJob)
	mux.HandleFunc("GET /v1/job/{id}", f.getJob)
	mux.HandleFunc("DELETE /v1/job/{id}", f.deregisterJob)
	mux.HandleFunc("GET /v1/job/{id}/summary", f.jobSummary)
	mux.HandleFunc("GET /v1/job/{id}/allocations", f.jobAllocs)
	mux.HandleFunc("GET /v1/job/{id}/versions", f.jobVersions)
	mux.HandleFunc("GET /v1/job/{id}/deployment", f.jobDeployment)
	mux.HandleFunc("PUT /v1/job/{id}/plan", f.planJob)
	mux.HandleFunc("PUT /v1/job/{id}/revert", f.revertJob)
	mux.HandleFunc("PUT /v1/job/{id}/scale", f.jobEvalWrite("job-scaling"))
	mux.HandleFunc("PUT /v1/job/{id}/evaluate", f.jobEvalWrite("job-register"))
	mux.HandleFunc("PUT /v1/job/{id}/periodic/force", f.periodicForce)
	mux.HandleFunc("PUT /v1/job/{id}/dispatch", f.dispatchJob)
	mux.HandleFunc("PUT /v1/validate/job", f.validateJob)
	mux.HandleFunc("GET /v1/evaluation/{id}", f.getEval)
	mux.HandleFunc("GET /v1/evaluations", f.listEvals)         // eval_fake_test.go
	mux.HandleFunc("GET /v1/job/{id}/evaluations", f.jobEvals) // eval_fake_test.go
	mux.HandleFunc("GET /v1/evaluation/{id}/allocations", f.getEvalAllocs)
	mux.HandleFunc("GET /v1/agent/members", f.getMembers)
	mux.HandleFunc("PUT /v1/agent/join", f.join)
	mux.HandleFunc("GET /v1/status/leader", f.getLeader)
	mux.HandleFunc("GET /v1/operator/raft/configuration", f.getRaft)
	f.serve(t, mux)
	return f
}

func (f *fakeAgent) listJobs(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prefix := r.URL.Query().Get("prefix")
	stubs := []*api.JobListStub{}
	for _, j := range f.jobs {
		if !strings.HasPrefix(j.ID, prefix) {
			continue
		}
		stubs = append(stubs, &api.JobListStub{ID: j.ID, Name: j.Name, Type: j.Type, Priority: j.Priority,
			Status: j.Status, Stop: j.Stop, Periodic: j.IsPeriodic(), ParameterizedJob: j.IsParameterized(),
			SubmitTime: j.SubmitTime, JobModifyIndex: j.JobModifyIndex})
	}
	sort.Slice(stubs, func(i, k int) bool { return stubs[i].ID < stubs[k].ID })
	f.reply(w, stubs)
}

func (f *fakeAgent) registerJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req api.JobRegisterRequest
	body := new(strings.Builder)
	if err := json.NewDecoder(teeTo(r, body)).Decode(&req); err != nil {
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	f.bodies = append(f.bodies, body.String())
	if f.registerStatus != 0 {
		http.Error(w, f.registerBody, f.registerStatus)
		return
	}
	if req.Job == nil || req.Job.ID == "" {
		http.Error(w, "1 error occurred:\n\t* Job.ID: missing job ID", http.StatusBadRequest)
		return
	}
	old := f.jobs[req.Job.ID]
	if req.EnforceIndex {
		var current uint64
		if old != nil {
			current = old.JobModifyIndex
		}
		if current != req.JobModifyIndex {
			http.Error(w, fmt.Sprintf("Enforcing job modify index %d: job exists with conflicting job modify index: %d", req.JobModifyIndex, current), http.StatusInternalServerError)
			return
		}
	}
	f.index++
	job := req.Job
	job.Status, job.JobModifyIndex, job.ModifyIndex = "pending", f.index, f.index
	if job.SubmitTime == 0 {
		job.SubmitTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano()
	}
	if old != nil {
		job.Version = old.Version + 1
	}
	f.jobs[job.ID] = job
	stored := *job
	f.versions[job.ID] = append([]*api.Job{&stored}, f.versions[job.ID]...)
	resp := &api.JobRegisterResponse{JobModifyIndex: f.index}
	if !job.IsPeriodic() && !job.IsParameterized() {
		resp.EvalID = f.newEvalLocked(job.ID, "job-register")
		resp.EvalCreateIndex = f.index
	}
	f.reply(w, resp)
}

func (f *fakeAgent) newEvalLocked(jobID, trigger string) string {
	f.nextEval++
	id := fmt.Sprintf("%08x-1111-2222-3333-444444444444", f.nextEval)
	script := f.evalScript
	if len(script) == 0 {
		script = []string{api.EvalStatusPending}
	}
	f.evals[id] = &fakeEval{
		eval: &api.Evaluation{ID: id, JobID: jobID, TriggeredBy: trigger, Status: script[0],
			FailedTGAllocs: f.evalFailures, CreateIndex: f.index, ModifyIndex: f.index},
		script: script,
	}
	if f.evalFailures != nil {
		f.evals[id].eval.BlockedEval = "bbbbbbbb-0000-0000-0000-000000000000"
	}
	return id
}

func (f *fakeAgent) getJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	job, ok := f.jobs[r.PathValue("id")]
	if !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	f.reply(w, job)
}

func (f *fakeAgent) deregisterJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := r.PathValue("id")
	job, ok := f.jobs[id]
	if !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	f.index++
	if r.URL.Query().Get("purge") == "true" {
		delete(f.jobs, id)
	} else {
		job.Stop = true
	}
	f.reply(w, &api.JobDeregisterResponse{EvalID: f.newEvalLocked(id, "job-deregister"), EvalCreateIndex: f.index, JobModifyIndex: f.index})
}

func (f *fakeAgent) jobSummary(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := f.jobs[id]; !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	s := f.summaries[id]
	if s == nil {
		s = &api.JobSummary{JobID: id, Summary: map[string]api.TaskGroupSummary{}}
		for _, g := range f.jobs[id].TaskGroups {
			s.Summary[g.Name] = api.TaskGroupSummary{Queued: g.Count}
		}
	}
	f.reply(w, s)
}

func (f *fakeAgent) jobAllocs(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	allocs := f.allocs[r.PathValue("id")]
	if allocs == nil {
		allocs = []*api.AllocationListStub{}
	}
	f.reply(w, allocs)
}

func (f *fakeAgent) getEval(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fe, ok := f.evals[r.PathValue("id")]
	if !ok {
		http.Error(w, "eval not found", http.StatusNotFound)
		return
	}
	// Each read moves the evaluation one step along its script, as if a
	// scheduler had worked on it while the blocking query waited.
	step := min(fe.reads, len(fe.script)-1)
	fe.reads++
	if fe.eval.Status != fe.script[step] {
		f.index++
		fe.eval.Status, fe.eval.ModifyIndex = fe.script[step], f.index
	}
	f.reply(w, fe.eval)
}

func (f *fakeAgent) getEvalAllocs(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	allocs := f.evalAllocs
	if allocs == nil {
		allocs = []*api.AllocationListStub{}
	}
	f.reply(w, allocs)
}

func (f *fakeAgent) getMembers(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Query().Get("wan") == "true" {
		f.reply(w, f.wanMembers)
		return
	}
	f.reply(w, f.members)
}

func (f *fakeAgent) join(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, f.joinResult)
}

func (f *fakeAgent) getLeader(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	leader, ok := f.leaders[r.URL.Query().Get("region")]
	if !ok {
		http.Error(w, "No path to region", http.StatusInternalServerError)
		return
	}
	f.reply(w, leader)
}

func (f *fakeAgent) getRaft(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.raft == nil {
		http.Error(w, "No cluster leader", http.StatusInternalServerError)
		return
	}
	f.reply(w, f.raft)
}

func (f *fakeAgent) jobVersions(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	versions, ok := f.versions[r.PathValue("id")]
	if !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	resp := &api.JobVersionsResponse{Versions: versions}
	if r.URL.Query().Get("diffs") == "true" {
		resp.Diffs = f.versionDiffs
	}
	f.reply(w, resp)
}

func (f *fakeAgent) jobDeployment(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.deployments[r.PathValue("id")]
	if !ok {
		http.Error(w, "no such endpoint", http.StatusNotFound)
		return
	}
	f.reply(w, d)
}

// readBodyLocked records the body of a write and decodes it into v.
func (f *fakeAgent) readBodyLocked(w http.ResponseWriter, r *http.Request, v any) bool {
	body := new(strings.Builder)
	if err := json.NewDecoder(teeTo(r, body)).Decode(v); err != nil {
		f.bodies = append(f.bodies, body.String())
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	f.bodies = append(f.bodies, body.String())
	return true
}

func (f *fakeAgent) planJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req api.JobPlanRequest
	if !f.readBodyLocked(w, r, &req) {
		return
	}
	if f.plan == nil {
		http.Error(w, "plan failed: no scheduler", http.StatusInternalServerError)
		return
	}
	f.reply(w, f.plan)
}

func (f *fakeAgent) revertJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req api.JobRevertRequest
	if !f.readBodyLocked(w, r, &req) {
		return
	}
	id := r.PathValue("id")
	var target *api.Job
	for _, v := range f.versions[id] {
		if v.Version == req.JobVersion {
			target = v
		}
	}
	if target == nil {
		http.Error(w, fmt.Sprintf("job %q has no version %d", id, req.JobVersion), http.StatusBadRequest)
		return
	}
	f.index++
	job := *target
	job.Version = f.versions[id][0].Version + 1
	job.JobModifyIndex = f.index
	f.jobs[id] = &job
	stored := job
	f.versions[id] = append([]*api.Job{&stored}, f.versions[id]...)
	f.reply(w, &api.JobRegisterResponse{EvalID: f.newEvalLocked(id, "job-register"), EvalCreateIndex: f.index, JobModifyIndex: f.index})
}

// jobEvalWrite answers a write on an existing job with a new evaluation.
func (f *fakeAgent) jobEvalWrite(trigger string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var req map[string]any
		if !f.readBodyLocked(w, r, &req) {
			return
		}
		id := r.PathValue("id")
		if _, ok := f.jobs[id]; !ok {
			http.Error(w, "job not found", http.StatusNotFound)
			return
		}
		f.index++
		f.reply(w, &api.JobRegisterResponse{EvalID: f.newEvalLocked(id, trigger), EvalCreateIndex: f.index, JobModifyIndex: f.index})
	}
}

func (f *fakeAgent) periodicForce(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := f.jobs[id]; !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	f.index++
	f.reply(w, &api.PeriodicForceResponse{EvalID: f.newEvalLocked(id+"/periodic-1700000000", "periodic-job"), EvalCreateIndex: f.index})
}

func (f *fakeAgent) dispatchJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req api.JobDispatchRequest
	if !f.readBodyLocked(w, r, &req) {
		return
	}
	id := r.PathValue("id")
	if _, ok := f.jobs[id]; !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	f.index++
	child := id + "/dispatch-1700000000-1a2b3c4d"
	f.reply(w, &api.JobDispatchResponse{DispatchedJobID: child, EvalID: f.newEvalLocked(child, "job-register"), EvalCreateIndex: f.index, JobCreateIndex: f.index})
}

func (f *fakeAgent) validateJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req api.JobValidateRequest
	if !f.readBodyLocked(w, r, &req) {
		return
	}
	f.reply(w, f.validate)
}

// teeTo copies what is read from r's body into b.
func teeTo(r *http.Request, b *strings.Builder) *teeReader {
	return &teeReader{r: r, b: b}
}

type teeReader struct {
	r *http.Request
	b *strings.Builder
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Body.Read(p)
	t.b.Write(p[:n])
	return n, err
}

// fakeClock is a clock that moves only when a command pauses.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Pause(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testMeta returns a Meta with a mock Ui and a fake clock.
func testMeta(t *testing.T) (Meta, *cli.MockUi, *fakeClock) {
	t.Helper()
	t.Setenv(api.EnvAddress, "")
	t.Setenv(api.EnvRegion, "")
	t.Setenv(api.EnvNamespace, "")
	ui := cli.NewMockUi()
	clock := &fakeClock{now: time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC)}
	return Meta{Ui: ui, now: clock.Now, pause: clock.Pause}, ui, clock
}

// deadAddress returns the address of a server that is no longer listening.
func deadAddress(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	return addr
}

// addJob stores job as if it had been registered, as a new version
// submitted at submitTime unless it names another time.
func (f *fakeAgent) addJob(job *api.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index++
	if job.SubmitTime == 0 {
		job.SubmitTime = submitTime.UnixNano()
	}
	if old := f.jobs[job.ID]; old != nil {
		job.Version = old.Version + 1
	}
	job.JobModifyIndex = f.index
	f.jobs[job.ID] = job
	stored := *job
	f.versions[job.ID] = append([]*api.Job{&stored}, f.versions[job.ID]...)
}

// testJob is a service job with one group of count instances.
func testJob(id string, count int) *api.Job {
	return &api.Job{ID: id, Name: id, Type: api.JobTypeService, Priority: 50, Status: "running",
		TaskGroups: []*api.TaskGroup{{Name: "frontend", Count: count, Tasks: []*api.Task{{Name: "server", Driver: "mock"}}}}}
}

// fakeHTTP is what the command tests' fake agents share: the test server,
// which records "METHOD /path?query" of every request, and JSON answers
// that carry the fake's index in Nomad's headers. mu also guards the
// embedding fake's own fields.
type fakeHTTP struct {
	*httptest.Server

	mu       sync.Mutex
	index    uint64
	requests []string
}

// serve starts the test server on mux, closed when the test ends.
func (f *fakeHTTP) serve(t *testing.T, mux *http.ServeMux) {
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
}

func (f *fakeHTTP) reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Nomad-Index", strconv.FormatUint(f.index, 10))
	w.Header().Set("X-Nomad-KnownLeader", "true")
	w.Header().Set("X-Nomad-LastContact", "0")
	_ = json.NewEncoder(w).Encode(v)
}
