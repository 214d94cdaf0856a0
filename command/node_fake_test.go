package command

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

// fakeNodeAgent serves the node endpoints with the server's rules: IDs
// resolve by prefix, a draining node cannot be made eligible, starting a
// drain makes the node ineligible and stopping one with MarkEligible
// eligible again. A drain completes after drainReads blocking reads of the
// node, so monitors see it progress.
type fakeNodeAgent struct {
	fakeHTTP

	nodes      map[string]*api.Node
	allocs     map[string][]*api.Allocation
	drainReads int
	bodies     []string
}

func newFakeNodeAgent(t *testing.T, nodes ...*api.Node) *fakeNodeAgent {
	t.Helper()
	f := &fakeNodeAgent{nodes: map[string]*api.Node{}, allocs: map[string][]*api.Allocation{}}
	for _, n := range nodes {
		f.nodes[n.ID] = n
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/nodes", f.list)
	mux.HandleFunc("GET /v1/node/{id}", f.get)
	mux.HandleFunc("GET /v1/node/{id}/allocations", f.nodeAllocs)
	mux.HandleFunc("POST /v1/node/{id}/eligibility", f.eligibility)
	mux.HandleFunc("POST /v1/node/{id}/drain", f.drain)
	f.index = 20
	f.serve(t, mux)
	return f
}

func (f *fakeNodeAgent) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []*api.NodeListStub{}
	for _, n := range f.nodes {
		if strings.HasPrefix(n.ID, r.URL.Query().Get("prefix")) {
			out = append(out, &api.NodeListStub{ID: n.ID, Name: n.Name, Datacenter: n.Datacenter, NodePool: n.NodePool,
				NodeClass: n.NodeClass, Drain: n.Drain, SchedulingEligibility: n.SchedulingEligibility, Status: n.Status})
		}
	}
	f.reply(w, out)
}

func (f *fakeNodeAgent) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.nodes[r.PathValue("id")]
	if n == nil {
		http.Error(w, "node not found", http.StatusNotFound)
		return
	}
	if n.DrainStrategy != nil && r.URL.Query().Get("index") != "" {
		f.drainReads--
		if f.drainReads <= 0 {
			f.index++
			n.Drain, n.DrainStrategy = false, nil
			n.Events = append(n.Events, &api.NodeEvent{Message: "Node drain complete", Subsystem: "Drain", Timestamp: 1_700_000_100, CreateIndex: f.index})
		}
	}
	f.reply(w, n)
}

func (f *fakeNodeAgent) nodeAllocs(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.allocs[r.PathValue("id")]
	if out == nil {
		out = []*api.Allocation{}
	}
	f.reply(w, out)
}

func (f *fakeNodeAgent) body(r *http.Request, v any) {
	var b strings.Builder
	json.NewDecoder(r.Body).Decode(v)
	buf, _ := json.Marshal(v)
	b.Write(buf)
	f.bodies = append(f.bodies, b.String())
}

func (f *fakeNodeAgent) eligibility(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req struct{ NodeID, Eligibility string }
	f.body(r, &req)
	n := f.nodes[r.PathValue("id")]
	if n == nil {
		http.Error(w, "node not found", http.StatusNotFound)
		return
	}
	if n.Drain && req.Eligibility == api.NodeSchedulingEligible {
		http.Error(w, fmt.Sprintf("1 validation error:\n  * Eligibility: node %q is draining", n.ID), http.StatusBadRequest)
		return
	}
	f.index++
	n.SchedulingEligibility = req.Eligibility
	f.reply(w, api.NodeUpdateResponse{NodeModifyIndex: f.index, Index: f.index})
}

func (f *fakeNodeAgent) drain(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var req struct {
		NodeID       string
		DrainSpec    *api.DrainSpec
		MarkEligible bool
	}
	f.body(r, &req)
	n := f.nodes[r.PathValue("id")]
	if n == nil {
		http.Error(w, "node not found", http.StatusNotFound)
		return
	}
	f.index++
	if req.DrainSpec != nil {
		n.Drain = true
		n.DrainStrategy = &api.DrainStrategy{Deadline: req.DrainSpec.Deadline, IgnoreSystemJobs: req.DrainSpec.IgnoreSystemJobs}
		n.SchedulingEligibility = api.NodeSchedulingIneligible
		n.Events = append(n.Events, &api.NodeEvent{Message: "Node drain strategy set", Subsystem: "Drain", Timestamp: 1_700_000_000, CreateIndex: f.index})
	} else {
		n.Drain, n.DrainStrategy = false, nil
		if req.MarkEligible {
			n.SchedulingEligibility = api.NodeSchedulingEligible
		}
	}
	f.reply(w, api.NodeUpdateResponse{EvalIDs: []string{"e1"}, EvalCreateIndex: f.index, NodeModifyIndex: f.index, Index: f.index})
}

func (f *fakeNodeAgent) lastBody() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		return ""
	}
	return f.bodies[len(f.bodies)-1]
}

func fakeNode(id, name string) *api.Node {
	return &api.Node{ID: id, Name: name, Datacenter: "dc1", NodePool: "default", Status: "ready",
		SchedulingEligibility: "eligible", Attributes: map[string]string{"kernel.name": "linux", "unique.hostname": name},
		Drivers:       map[string]*api.DriverInfo{"mock": {Detected: true, Healthy: true}},
		NodeResources: &api.NodeResources{Cpu: api.NodeCpuResources{CpuShares: 4000}, Memory: api.NodeMemoryResources{MemoryMB: 8192}, Disk: api.NodeDiskResources{DiskMB: 102400}},
		Events:        []*api.NodeEvent{{Message: "Node registered", Subsystem: "Cluster", Timestamp: 1_699_999_000, CreateIndex: 5}},
	}
}
