package agent

import (
	"fmt"
	"net"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/serf/serf"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeBackend is an in-memory stand-in for the server with real behaviour:
// jobs are stored and versioned, indexes advance, check-and-set is
// enforced, unknown regions and a missing leader fail as the server does.
type fakeBackend struct {
	mu      sync.Mutex // guards the fields below
	index   uint64
	jobs    map[string]*structs.Job
	nodes   map[string]*structs.Node
	allocs  map[string]*structs.Allocation
	evals   map[string]*structs.Evaluation
	leader  string
	regions []string
	lan     []serf.Member
	wan     []serf.Member
	joined  []string
	// lastQuery is the QueryOptions of the last read, to check parsing.
	lastQuery structs.QueryOptions
	// lastWrite is the WriteRequest of the last write.
	lastWrite structs.WriteRequest
	// fail makes a method return an error.
	fail map[string]error
	// panicOn makes a method panic.
	panicOn string
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		index:   10,
		jobs:    map[string]*structs.Job{},
		nodes:   map[string]*structs.Node{},
		allocs:  map[string]*structs.Allocation{},
		evals:   map[string]*structs.Evaluation{},
		leader:  "127.0.0.1:4647",
		regions: []string{"global"},
		fail:    map[string]error{},
		lan: []serf.Member{{
			Name: "node1.global", Addr: net.ParseIP("127.0.0.1"), Port: 4648,
			Tags:   map[string]string{"region": "global", "dc": "dc1", "role": "nomad", "port": "4647"},
			Status: serf.StatusAlive, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
		}},
		wan: []serf.Member{
			{Name: "node1.global", Addr: net.ParseIP("127.0.0.1"), Port: 4649, Status: serf.StatusAlive},
			{Name: "eu1.eu", Addr: net.ParseIP("10.0.0.2"), Port: 4649, Status: serf.StatusAlive},
		},
	}
}

func (f *fakeBackend) meta() structs.QueryMeta {
	return structs.QueryMeta{Index: f.index, KnownLeader: f.leader != "", LastContact: 0}
}

func (f *fakeBackend) checkRegion(r string) error {
	for _, k := range f.regions {
		if k == r {
			return nil
		}
	}
	return fmt.Errorf("%w %q; known regions: %s", structs.ErrUnknownRegion, r, strings.Join(f.regions, ", "))
}

func (f *fakeBackend) RPC(method string, args, reply interface{}) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if method == f.panicOn {
		panic("fake backend panic in " + method)
	}
	if err := f.fail[method]; err != nil {
		return err
	}
	if ri, ok := args.(structs.RPCInfo); ok {
		if err := f.checkRegion(ri.RequestRegion()); err != nil {
			return err
		}
	}
	if f.leader == "" {
		return structs.ErrNoLeader
	}
	switch a := args.(type) {
	case *structs.JobRegisterRequest:
		f.lastWrite = a.WriteRequest
		return f.register(a, reply.(*structs.JobRegisterResponse))
	case *structs.JobDeregisterRequest:
		f.lastWrite = a.WriteRequest
		j, ok := f.jobs[a.JobID]
		if !ok {
			return fmt.Errorf("job %q: %w", a.JobID, structs.ErrNotFound)
		}
		f.index++
		if a.Purge {
			delete(f.jobs, a.JobID)
		} else {
			j.Stop = true
		}
		*reply.(*structs.JobDeregisterResponse) = structs.JobDeregisterResponse{
			EvalID: "eval-dereg", EvalCreateIndex: f.index, JobModifyIndex: f.index, QueryMeta: structs.QueryMeta{Index: f.index}}
		return nil
	case *structs.JobListRequest:
		f.lastQuery = a.QueryOptions
		out := reply.(*structs.JobListResponse)
		for id, j := range f.jobs {
			if strings.HasPrefix(id, a.Prefix) {
				out.Jobs = append(out.Jobs, j.Stub(nil))
			}
		}
		sort.Slice(out.Jobs, func(i, k int) bool { return out.Jobs[i].ID < out.Jobs[k].ID })
		out.QueryMeta = f.meta()
		return nil
	case *structs.JobSpecificRequest:
		f.lastQuery = a.QueryOptions
		j := f.jobs[a.JobID]
		switch out := reply.(type) {
		case *structs.SingleJobResponse:
			out.Job, out.QueryMeta = j.Copy(), f.meta()
		case *structs.JobSummaryResponse:
			if j != nil {
				out.JobSummary = &structs.JobSummary{JobID: j.ID, Namespace: j.Namespace, Summary: map[string]structs.TaskGroupSummary{}}
			}
			out.QueryMeta = f.meta()
		case *structs.JobAllocationsResponse:
			out.QueryMeta = f.meta()
		case *structs.JobEvaluationsResponse:
			out.QueryMeta = f.meta()
		default:
			return fmt.Errorf("fake: %s: unexpected reply %T", method, reply)
		}
		return nil
	case *structs.JobVersionsRequest:
		f.lastQuery = a.QueryOptions
		out := reply.(*structs.JobVersionsResponse)
		if j := f.jobs[a.JobID]; j != nil {
			out.Versions = []*structs.Job{j.Copy()}
		}
		out.QueryMeta = f.meta()
		return nil
	case *structs.NodeListRequest:
		f.lastQuery = a.QueryOptions
		out := reply.(*structs.NodeListResponse)
		for _, n := range f.nodes {
			out.Nodes = append(out.Nodes, n.Stub())
		}
		out.QueryMeta = f.meta()
		return nil
	case *structs.NodeSpecificRequest:
		f.lastQuery = a.QueryOptions
		switch out := reply.(type) {
		case *structs.SingleNodeResponse:
			out.Node, out.QueryMeta = f.nodes[a.NodeID], f.meta()
		case *structs.JobAllocationsResponse:
			out.QueryMeta = f.meta()
		}
		return nil
	case *structs.AllocListRequest:
		f.lastQuery = a.QueryOptions
		reply.(*structs.AllocListResponse).QueryMeta = f.meta()
		return nil
	case *structs.AllocStopRequest:
		f.lastWrite = a.WriteRequest
		alloc := f.allocs[a.AllocID]
		if alloc == nil {
			return fmt.Errorf("alloc %q: %w", a.AllocID, structs.ErrNotFound)
		}
		f.index++
		alloc.DesiredTransition.Migrate = true
		out := reply.(*structs.AllocStopResponse)
		out.EvalID, out.Index = fmt.Sprintf("eval-stop-%d", f.index), f.index
		return nil
	case *structs.AllocSpecificRequest:
		f.lastQuery = a.QueryOptions
		out := reply.(*structs.SingleAllocResponse)
		out.Alloc, out.QueryMeta = f.allocs[a.AllocID], f.meta()
		return nil
	case *structs.EvalListRequest:
		f.lastQuery = a.QueryOptions
		out := reply.(*structs.EvalListResponse)
		for _, e := range f.evals {
			out.Evaluations = append(out.Evaluations, e)
		}
		out.QueryMeta = f.meta()
		return nil
	case *structs.EvalSpecificRequest:
		f.lastQuery = a.QueryOptions
		switch out := reply.(type) {
		case *structs.SingleEvalResponse:
			out.Eval, out.QueryMeta = f.evals[a.EvalID], f.meta()
		case *structs.JobAllocationsResponse:
			out.QueryMeta = f.meta()
		}
		return nil
	case *structs.GenericRequest:
		f.lastQuery = a.QueryOptions
		switch method {
		case "Status.Leader":
			*reply.(*string) = f.leader
		case "Status.Peers":
			*reply.(*[]string) = []string{f.leader}
		case "Operator.RaftGetConfiguration":
			*reply.(*structs.RaftConfigurationResponse) = structs.RaftConfigurationResponse{
				Index:   f.index,
				Servers: []*structs.RaftServer{{ID: "id1", Node: "node1.global", Address: f.leader, Leader: true, Voter: true, RaftProtocol: "3"}},
			}
		default:
			return fmt.Errorf("fake: unknown method %s", method)
		}
		return nil
	}
	return fmt.Errorf("fake: unknown method %s with %T", method, args)
}

func (f *fakeBackend) register(a *structs.JobRegisterRequest, out *structs.JobRegisterResponse) error {
	job := a.Job.Copy()
	job.Canonicalize()
	if err := job.Validate(); err != nil {
		return err
	}
	old := f.jobs[job.ID]
	if a.EnforceIndex {
		cur := uint64(0)
		if old != nil {
			cur = old.JobModifyIndex
		}
		if cur != a.JobModifyIndex {
			return fmt.Errorf("%w: enforcing job modify index %d: job %q exists with job modify index %d", structs.ErrConflict, a.JobModifyIndex, job.ID, cur)
		}
	}
	f.index++
	job.JobModifyIndex, job.ModifyIndex = f.index, f.index
	job.CreateIndex = f.index
	if old != nil {
		job.CreateIndex = old.CreateIndex
		job.Version = old.Version + 1
	}
	f.jobs[job.ID] = job
	*out = structs.JobRegisterResponse{EvalID: fmt.Sprintf("eval-%d", f.index), EvalCreateIndex: f.index,
		JobModifyIndex: f.index, QueryMeta: structs.QueryMeta{Index: f.index}}
	return nil
}

func (f *fakeBackend) LANMembers() []serf.Member { return f.lan }
func (f *fakeBackend) WANMembers() []serf.Member { return f.wan }
func (f *fakeBackend) JoinLAN(addrs []string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	var bad []string
	for _, a := range addrs {
		if strings.HasPrefix(a, "bad") {
			bad = append(bad, a)
			continue
		}
		f.joined = append(f.joined, a)
		n++
	}
	if len(bad) > 0 {
		return n, fmt.Errorf("failed to join %s: connection refused", strings.Join(bad, ", "))
	}
	return n, nil
}
func (f *fakeBackend) JoinWAN(addrs []string) (int, error) { return f.JoinLAN(addrs) }
func (f *fakeBackend) Regions() []string                   { return f.regions }
func (f *fakeBackend) Leader() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leader
}
func (f *fakeBackend) Stats() map[string]map[string]string {
	return map[string]map[string]string{"raft": {"state": "Leader"}}
}

// testAPI serves the HTTP API over a fake backend on a real listener.
type testAPI struct {
	srv     *httptest.Server
	backend *fakeBackend
	http    *HTTPServer
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	b := newFakeBackend()
	cfg := DevConfig()
	cfg.NodeName = "node1"
	m, err := newMetricsSinks(false)
	if err != nil {
		t.Fatal(err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Output: hclog.DefaultOutput, Level: hclog.Off})
	h := newHTTPServer(b, cfg, m, logger)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testAPI{srv: srv, backend: b, http: h}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
