package command

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// fakeAllocAgent serves the allocation endpoints and the client
// endpoints of one node over in-memory allocations, log streams and
// files, with the agent's rules: IDs resolve by prefix, client endpoints
// take full IDs, bad task names are 400s listing the tasks, paths may
// not leave the allocation directory.
type fakeAllocAgent struct {
	fakeHTTP

	allocs map[string]*api.Allocation
	// logs are the log streams by "alloc/task/stdout".
	logs map[string]string
	// files are the allocation directory: path → contents; a path
	// ending in "/" is a directory.
	files map[string]string
	// appended is what a followed file stream sees appended to the file.
	appended string
	nodeID   string // of /v1/agent/self; "" when the agent runs no client
	bodies   []string
}

func newFakeAllocAgent(t *testing.T, allocs ...*api.Allocation) *fakeAllocAgent {
	t.Helper()
	f := &fakeAllocAgent{allocs: map[string]*api.Allocation{}, logs: map[string]string{}, files: map[string]string{}}
	for _, a := range allocs {
		f.allocs[a.ID] = a
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/allocations", f.list)
	mux.HandleFunc("GET /v1/job/{id}/allocations", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		out := []*api.AllocationListStub{}
		for _, a := range f.allocs {
			if a.JobID == r.PathValue("id") {
				out = append(out, &api.AllocationListStub{ID: a.ID, JobID: a.JobID, CreateIndex: a.CreateIndex})
			}
		}
		f.reply(w, out)
	})
	mux.HandleFunc("GET /v1/allocation/{id}", f.get)
	mux.HandleFunc("PUT /v1/allocation/{id}/stop", f.stop)
	mux.HandleFunc("GET /v1/evaluation/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.reply(w, &api.Evaluation{ID: r.PathValue("id"), Status: "complete", JobID: "web", TriggeredBy: "alloc-stop", Type: "service"})
	})
	mux.HandleFunc("GET /v1/evaluation/{id}/allocations", func(w http.ResponseWriter, r *http.Request) { f.reply(w, []any{}) })
	mux.HandleFunc("GET /v1/client/fs/logs/{id}", f.logsHandler)
	mux.HandleFunc("GET /v1/client/fs/stat/{id}", f.stat)
	mux.HandleFunc("GET /v1/client/fs/ls/{id}", f.ls)
	mux.HandleFunc("GET /v1/client/fs/cat/{id}", f.cat)
	mux.HandleFunc("GET /v1/client/fs/readat/{id}", f.readAt)
	mux.HandleFunc("GET /v1/client/fs/stream/{id}", f.stream)
	mux.HandleFunc("PUT /v1/client/allocation/{id}/restart", f.taskOp("TaskName"))
	mux.HandleFunc("PUT /v1/client/allocation/{id}/signal", f.taskOp("Task"))
	mux.HandleFunc("GET /v1/client/allocation/{id}/stats", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if a := f.alloc(w, r); a != nil {
			usage := &api.AllocResourceUsage{Tasks: map[string]*api.TaskResourceUsage{}}
			for name := range a.TaskStates {
				usage.Tasks[name] = &api.TaskResourceUsage{ResourceUsage: &api.ResourceUsage{
					MemoryStats: &api.MemoryStats{RSS: 3 << 20, Usage: 4 << 20, MaxUsage: 5 << 20}, CpuStats: &api.CpuStats{Percent: 12.5}}}
			}
			f.reply(w, usage)
		}
	})
	mux.HandleFunc("GET /v1/agent/self", func(w http.ResponseWriter, r *http.Request) {
		stats := map[string]map[string]string{"nomad": {"server": "true"}}
		if f.nodeID != "" {
			stats["client"] = map[string]string{"node_id": f.nodeID}
		}
		f.reply(w, map[string]any{"config": map[string]any{}, "stats": stats})
	})
	f.index = 30
	f.serve(t, mux)
	return f
}

func (f *fakeAllocAgent) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []*api.AllocationListStub{}
	for _, a := range f.allocs {
		if strings.HasPrefix(a.ID, r.URL.Query().Get("prefix")) {
			out = append(out, &api.AllocationListStub{ID: a.ID, JobID: a.JobID, TaskGroup: a.TaskGroup, NodeID: a.NodeID,
				DesiredStatus: a.DesiredStatus, ClientStatus: a.ClientStatus})
		}
	}
	f.reply(w, out)
}

// alloc returns the allocation of the path, or answers 404.
func (f *fakeAllocAgent) alloc(w http.ResponseWriter, r *http.Request) *api.Allocation {
	a := f.allocs[r.PathValue("id")]
	if a == nil {
		http.Error(w, fmt.Sprintf("allocation %q not found", r.PathValue("id")), http.StatusNotFound)
	}
	return a
}

func (f *fakeAllocAgent) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.alloc(w, r); a != nil {
		f.reply(w, a)
	}
}

func (f *fakeAllocAgent) stop(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.alloc(w, r)
	if a == nil {
		return
	}
	f.index++
	yes := true
	a.DesiredTransition.Migrate = &yes
	f.reply(w, map[string]any{"EvalID": "eval-stop-1", "Index": f.index})
}

func (f *fakeAllocAgent) logsHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.alloc(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	data, ok := f.logs[a.ID+"/"+q.Get("task")+"/"+q.Get("type")]
	if !ok {
		http.Error(w, fmt.Sprintf("task %q is not in allocation %s", q.Get("task"), a.ID), http.StatusBadRequest)
		return
	}
	off, _ := strconv.Atoi(q.Get("offset"))
	start := min(off, len(data))
	if q.Get("origin") == "end" {
		start = max(len(data)-off, 0)
	}
	// Two frames around a heartbeat, so readers join frames.
	chunk := data[start:]
	half := len(chunk) / 2
	enc := json.NewEncoder(w)
	enc.Encode(api.StreamFrame{Offset: int64(start + half), Data: []byte(chunk[:half])})
	enc.Encode(api.StreamFrame{})
	enc.Encode(api.StreamFrame{Offset: int64(len(data)), Data: []byte(chunk[half:])})
}

func (f *fakeAllocAgent) info(path string) (*api.AllocFileInfo, bool) {
	path = strings.Trim(path, "/")
	if path == "" {
		return &api.AllocFileInfo{Name: "/", IsDir: true, FileMode: "drwxr-xr-x"}, true
	}
	if data, ok := f.files[path]; ok {
		return &api.AllocFileInfo{Name: path[strings.LastIndex(path, "/")+1:], Size: int64(len(data)), FileMode: "-rw-r--r--",
			ModTime: time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)}, true
	}
	if _, ok := f.files[path+"/"]; ok {
		return &api.AllocFileInfo{Name: path[strings.LastIndex(path, "/")+1:], IsDir: true, Size: 4096, FileMode: "drwxr-xr-x",
			ModTime: time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)}, true
	}
	return nil, false
}

func (f *fakeAllocAgent) fsCheck(w http.ResponseWriter, r *http.Request) (string, bool) {
	if f.alloc(w, r) == nil {
		return "", false
	}
	p := r.URL.Query().Get("path")
	if strings.Contains(p, "..") {
		http.Error(w, fmt.Sprintf("path %q: path escapes the allocation directory", p), http.StatusBadRequest)
		return "", false
	}
	return p, true
}

func (f *fakeAllocAgent) stat(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.fsCheck(w, r)
	if !ok {
		return
	}
	fi, ok := f.info(p)
	if !ok {
		http.Error(w, fmt.Sprintf("path %q not found in the allocation directory", p), http.StatusNotFound)
		return
	}
	f.reply(w, fi)
}

func (f *fakeAllocAgent) ls(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.fsCheck(w, r)
	if !ok {
		return
	}
	prefix := strings.Trim(p, "/")
	if prefix != "" {
		prefix += "/"
	}
	out := []*api.AllocFileInfo{}
	seen := map[string]bool{}
	for path := range f.files {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok || rest == "" {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		fi, _ := f.info(prefix + name)
		out = append(out, fi)
	}
	sortFileInfos(out)
	f.reply(w, out)
}

func sortFileInfos(fis []*api.AllocFileInfo) {
	for i := range fis {
		for j := i + 1; j < len(fis); j++ {
			if fis[j].Name < fis[i].Name {
				fis[i], fis[j] = fis[j], fis[i]
			}
		}
	}
}

func (f *fakeAllocAgent) cat(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.fsCheck(w, r)
	if !ok {
		return
	}
	data, ok := f.files[strings.Trim(p, "/")]
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	fmt.Fprint(w, data)
}

func (f *fakeAllocAgent) readAt(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.fsCheck(w, r)
	if !ok {
		return
	}
	data := f.files[strings.Trim(p, "/")]
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	off = min(off, len(data))
	fmt.Fprint(w, data[off:min(off+limit, len(data))])
}

// stream sends the file from offset/origin as one frame and ends, as a
// followed stream does when the file's allocation goes away.
func (f *fakeAllocAgent) stream(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.fsCheck(w, r)
	if !ok {
		return
	}
	data := f.files[strings.Trim(p, "/")]
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	start := min(off, len(data))
	if r.URL.Query().Get("origin") == "end" {
		start = max(len(data)-off, 0)
	}
	data += f.appended
	json.NewEncoder(w).Encode(api.StreamFrame{Offset: int64(len(data)), Data: []byte(data[start:]), File: p})
}

// taskOp records a restart or signal body after checking its task.
func (f *fakeAllocAgent) taskOp(taskField string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		a := f.alloc(w, r)
		if a == nil {
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		buf, _ := json.Marshal(body)
		f.bodies = append(f.bodies, string(buf))
		if task, _ := body[taskField].(string); task != "" && a.TaskStates[task] == nil {
			http.Error(w, fmt.Sprintf("task %q is not in allocation %s", task, a.ID), http.StatusBadRequest)
			return
		}
		f.reply(w, struct{}{})
	}
}

func (f *fakeAllocAgent) lastBody() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		return ""
	}
	return f.bodies[len(f.bodies)-1]
}

// testAlloc is a running allocation of job "web" whose group has the
// given tasks.
func testAlloc(id string, tasks ...string) *api.Allocation {
	tg := &api.TaskGroup{Name: "frontend", Count: 1}
	states := map[string]*api.TaskState{}
	for _, name := range tasks {
		tg.Tasks = append(tg.Tasks, &api.Task{Name: name, Driver: "mock"})
		states[name] = &api.TaskState{State: "running", StartedAt: time.Date(2024, 5, 6, 7, 58, 0, 0, time.UTC)}
	}
	return &api.Allocation{ID: id, EvalID: "eval-0001-aaaa", Name: "web.frontend[0]", NodeID: "node-0001-bbbb", NodeName: "client-1",
		JobID: "web", Job: &api.Job{ID: "web", TaskGroups: []*api.TaskGroup{tg}}, TaskGroup: "frontend",
		DesiredStatus: "run", ClientStatus: "running", ClientDescription: "Tasks are running", TaskStates: states,
		CreateTime: time.Date(2024, 5, 6, 7, 55, 0, 0, time.UTC).UnixNano(), ModifyTime: time.Date(2024, 5, 6, 7, 59, 0, 0, time.UTC).UnixNano()}
}
