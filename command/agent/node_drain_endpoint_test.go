package agent

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodeOpsBackend adds the node eligibility and drain writes to the fake
// backend, with the server's rules: unknown nodes are not found, and a
// draining node cannot be made eligible.
type nodeOpsBackend struct {
	*fakeBackend
	elig  *structs.NodeUpdateEligibilityRequest
	drain *structs.NodeUpdateDrainRequest
}

func (b *nodeOpsBackend) RPC(method string, args, reply interface{}) error {
	switch a := args.(type) {
	case *structs.NodeUpdateEligibilityRequest:
		b.mu.Lock()
		defer b.mu.Unlock()
		b.elig = a
		n := b.nodes[a.NodeID]
		if n == nil {
			return fmt.Errorf("node %q: %w", a.NodeID, structs.ErrNotFound)
		}
		if n.Drain && a.Eligibility == structs.NodeSchedulingEligible {
			return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Eligibility", Message: "node is draining"}}}
		}
		b.index++
		n.SchedulingEligibility = a.Eligibility
		*reply.(*structs.NodeEligibilityUpdateResponse) = structs.NodeEligibilityUpdateResponse{NodeModifyIndex: b.index, QueryMeta: structs.QueryMeta{Index: b.index}}
		return nil
	case *structs.NodeUpdateDrainRequest:
		b.mu.Lock()
		defer b.mu.Unlock()
		b.drain = a
		n := b.nodes[a.NodeID]
		if n == nil {
			return fmt.Errorf("node %q: %w", a.NodeID, structs.ErrNotFound)
		}
		b.index++
		n.Drain = a.DrainStrategy != nil
		*reply.(*structs.NodeDrainUpdateResponse) = structs.NodeDrainUpdateResponse{EvalIDs: []string{"e1"}, EvalCreateIndex: b.index,
			NodeModifyIndex: b.index, QueryMeta: structs.QueryMeta{Index: b.index}}
		return nil
	}
	return b.fakeBackend.RPC(method, args, reply)
}

func newNodeOpsAPI(t *testing.T) (*testAPI, *nodeOpsBackend) {
	t.Helper()
	b := &nodeOpsBackend{fakeBackend: newFakeBackend()}
	b.nodes["n1"] = &structs.Node{ID: "n1", Name: "client-1", Datacenter: "dc1", Status: "ready", SchedulingEligibility: "eligible"}
	m, err := newMetricsSinks(false)
	if err != nil {
		t.Fatal(err)
	}
	h := newHTTPServer(b, DevConfig(), m, hclog.NewNullLogger())
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testAPI{srv: srv, backend: b.fakeBackend, http: h}, b
}

func TestNodeEligibilityEndpoint(t *testing.T) {
	a, b := newNodeOpsAPI(t)
	r := a.do(t, "POST", "/v1/node/n1/eligibility", `{"Eligibility": "ineligible"}`)
	r.expect(t, 200, `"NodeModifyIndex":11`, `"Index":11`)
	if r.header.Get("X-Nomad-Index") != "11" || b.elig.NodeID != "n1" || b.elig.Eligibility != "ineligible" || b.elig.Region != "global" {
		t.Fatalf("header %q request %+v", r.header.Get("X-Nomad-Index"), b.elig)
	}
	a.do(t, "PUT", "/v1/node/n1/eligibility", `{"NodeID": "n1", "Eligibility": "eligible"}`).expect(t, 200)
	a.do(t, "POST", "/v1/node/n1/eligibility", `{"Eligibility": "maybe"}`).
		expect(t, 400, `Eligibility: "maybe" is not a scheduling eligibility; want "eligible" or "ineligible"`)
	a.do(t, "POST", "/v1/node/n1/eligibility", `{"NodeID": "n2", "Eligibility": "eligible"}`).expect(t, 400, "does not match")
	a.do(t, "POST", "/v1/node/n1/eligibility", `{"Eligibility": 1}`).expect(t, 400, "Eligibility")
	a.do(t, "POST", "/v1/node/zz/eligibility", `{"Eligibility": "eligible"}`).expect(t, 404, "not found")
	a.do(t, "GET", "/v1/node/n1/eligibility", nil).expect(t, 405)
}

func TestNodeDrainEndpoint(t *testing.T) {
	a, b := newNodeOpsAPI(t)
	a.do(t, "POST", "/v1/node/n1/drain", `{"DrainSpec": {"Deadline": 3600000000000, "IgnoreSystemJobs": true}}`).
		expect(t, 200, `"EvalIDs":["e1"]`, `"EvalCreateIndex":11`)
	if d := b.drain.DrainStrategy; d == nil || d.Deadline != 3600000000000 || !d.IgnoreSystemJobs || b.drain.MarkEligible {
		t.Fatalf("request = %+v", b.drain)
	}
	// A draining node cannot be made eligible.
	a.do(t, "POST", "/v1/node/n1/eligibility", `{"Eligibility": "eligible"}`).expect(t, 400, "draining")

	a.do(t, "PUT", "/v1/node/n1/drain", `{"DrainSpec": null, "MarkEligible": true}`).expect(t, 200)
	if b.drain.DrainStrategy != nil || !b.drain.MarkEligible {
		t.Fatalf("disable request = %+v", b.drain)
	}
	a.do(t, "POST", "/v1/node/n1/drain", `{"DrainSpec": {"Deadline": -7}}`).expect(t, 400, "DrainSpec.Deadline: -7")
	a.do(t, "POST", "/v1/node/n1/drain", `{"DrainSpec": {"Deadline": "1h"}}`).expect(t, 400, "DrainSpec.Deadline")
	a.do(t, "POST", "/v1/node/n1/drain", ``).expect(t, 400, "request body is empty")
	a.do(t, "POST", "/v1/node/zz/drain", `{"DrainSpec": null}`).expect(t, 404)
}
