package agent

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// httpWriteRoute is one PUT/POST route of the HTTP API, with the IDs in
// its path naming objects FuzzHTTPWrites registers first, so that the
// handler gets past its lookups to the decoding and validation behind
// them.
type httpWriteRoute struct {
	method, path string
}

// httpWriteRoutes lists every route that takes a body or acts on a write
// (the s.route calls of command/agent with a PUT or POST handler, and the
// job routes of job_endpoint.go; a new one belongs here). PUT and POST
// share their handlers, so each route is here once, with either.
//
// PUT /v1/agent/join is left out on purpose: it makes the agent dial the
// addresses it is given, which would send the fuzzer out on the network.
var httpWriteRoutes = []httpWriteRoute{
	{"PUT", "/v1/jobs"},
	{"PUT", "/v1/job/web"},
	{"POST", "/v1/job/web/plan"},
	{"PUT", "/v1/job/web/revert"},
	{"PUT", "/v1/job/web/scale"},
	{"PUT", "/v1/job/param/dispatch"},
	{"PUT", "/v1/job/cron/periodic/force"},
	{"PUT", "/v1/job/web/evaluate"},
	{"PUT", "/v1/jobs/parse"},
	{"PUT", "/v1/validate/job"},
	{"PUT", "/v1/node/" + fuzzNodeID + "/eligibility"},
	{"PUT", "/v1/node/" + fuzzNodeID + "/drain"},
	{"PUT", "/v1/deployment/fail/" + fuzzMissingID},
	{"PUT", "/v1/deployment/unblock/" + fuzzMissingID},
	{"PUT", "/v1/node/pools"},
	{"PUT", "/v1/deployment/pause/" + fuzzMissingID},
	{"PUT", "/v1/deployment/promote/" + fuzzMissingID},
	{"PUT", "/v1/deployment/allocation-health/" + fuzzMissingID},
	{"PUT", "/v1/allocation/" + fuzzMissingID + "/stop"},
	{"PUT", "/v1/client/allocation/" + fuzzMissingID + "/restart"},
	{"PUT", "/v1/client/allocation/" + fuzzMissingID + "/signal"},
	{"POST", "/v1/allocation/" + fuzzMissingID + "/restart"},
	{"POST", "/v1/allocation/" + fuzzMissingID + "/signal"},
	// A method a route does not take, and a path no route has.
	{"POST", "/v1/job/web/versions"},
	{"PUT", "/v1/nothing/here"},
}

// TestHTTPWriteRoutesCoverTheRouter fails when a route with a PUT or POST
// handler has no entry in httpWriteRoutes, so that a new write route is
// fuzzed from the day it is added.
func TestHTTPWriteRoutesCoverTheRouter(t *testing.T) {
	s := newHTTPServer(nil, DevConfig(), nil, hclog.NewNullLogger())
	// Routes that take no body and change nothing by their input alone,
	// or that make the agent dial out (see httpWriteRoutes).
	exempt := map[string]bool{"/v1/agent/join": true}
	for pattern, ms := range s.routes {
		if exempt[pattern] || !(slices.Contains(ms, "PUT") || slices.Contains(ms, "POST")) {
			continue
		}
		mux := http.NewServeMux()
		mux.Handle(pattern, http.NotFoundHandler())
		found := false
		for _, r := range httpWriteRoutes {
			req := httptest.NewRequest(r.method, r.path, nil)
			if _, p := mux.Handler(req); p == pattern {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("write route %s %v has no entry in httpWriteRoutes: add one, so FuzzHTTPWrites reaches it", pattern, ms)
		}
	}
}

const (
	fuzzNodeID    = "5a1b0c2d-0000-4000-8000-00000000f00d"
	fuzzMissingID = "00000000-0000-4000-8000-000000000000"
)

// fuzzAgent starts a server-only dev agent, registers the objects the
// routes' paths name, and returns its HTTP handler.
func fuzzAgent(f *testing.F) *HTTPServer {
	cfg := DevConfig()
	cfg.NodeName = "fuzz-http"
	cfg.Ports.HTTP, cfg.Ports.RPC, cfg.Ports.Serf = 0, 0, 0
	cfg.Ports.DNS = 0
	cfg.Client.Enabled = false
	if err := cfg.Validate(); err != nil {
		f.Fatal(err)
	}
	a, err := NewAgent(cfg, hclog.NewNullLogger())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Shutdown() })
	h := a.http
	serve := func(method, path string, body interface{}) (int, string) {
		var buf []byte
		if body != nil {
			if buf, err = json.Marshal(body); err != nil {
				f.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewReader(buf)))
		return rec.Code, rec.Body.String()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := serve("GET", "/v1/agent/health", nil); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			f.Fatal("the dev agent elected no leader within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	param := testJob("param")
	param["Type"] = "batch"
	param["ParameterizedJob"] = map[string]interface{}{"Payload": "optional", "MetaOptional": []string{"input"}}
	cron := testJob("cron")
	cron["Type"] = "batch"
	cron["Periodic"] = map[string]interface{}{"Enabled": true, "Spec": "0 0 1 1 *"}
	for _, job := range []map[string]interface{}{testJob("web"), param, cron} {
		if code, body := serve("PUT", "/v1/jobs", map[string]interface{}{"Job": job}); code != 200 {
			f.Fatalf("register %s: %d %s", job["ID"], code, body)
		}
	}
	node := &structs.Node{ID: fuzzNodeID, SecretID: fuzzMissingID, Name: "fuzz", Datacenter: "dc1", Status: structs.NodeStatusReady,
		Attributes: map[string]string{"kernel.name": "linux"}}
	var resp structs.NodeUpdateResponse
	if err := a.server.RPC("Node.Register", &structs.NodeRegisterRequest{Node: node}, &resp); err != nil {
		f.Fatalf("register node: %v", err)
	}
	return h
}

// FuzzHTTPWrites sends arbitrary bodies and query strings to every write
// route of the HTTP API, served by a real dev agent, so that decoding,
// the handler's checks and the server's validation all run. The first
// input byte picks the route. Every answer must be a 2xx or a 4xx: a 5xx
// is the agent failing on input a user can send at will, as is a panic,
// even one wrap recovers (panics.Count must not move).
//
//	go test -run '^$' -fuzz '^FuzzHTTPWrites$' -fuzztime 30s ./command/agent
func FuzzHTTPWrites(f *testing.F) {
	seeds := []struct {
		route       string
		query, body string
	}{
		{"/v1/jobs", "", `{"Job":{"ID":"api","Name":"api","Type":"service","Datacenters":["dc1"],"TaskGroups":[{"Name":"g","Count":1,"Tasks":[{"Name":"t","Driver":"mock","Config":{"run_for":"1s"}}]}]}}`},
		{"/v1/job/web", "region=global", `{"Job":{"ID":"web","TaskGroups":[null,{"Tasks":[null]}]},"EnforceIndex":true,"JobModifyIndex":1}`},
		{"/v1/job/web/plan", "", `{"Job":{"ID":"web","Datacenters":["dc1"],"TaskGroups":[{"Name":"web","Count":3,"Tasks":[{"Name":"server","Driver":"mock"}]}]},"Diff":true}`},
		{"/v1/job/web/revert", "", `{"JobID":"web","JobVersion":0,"EnforcePriorVersion":0}`},
		{"/v1/job/web/scale", "", `{"Count":2,"Target":{"Group":"web"},"Message":"fuzz"}`},
		{"/v1/job/param/dispatch", "", `{"Payload":"aGk=","Meta":{"input":"x"}}`},
		{"/v1/job/cron/periodic/force", "namespace=default", ``},
		{"/v1/job/web/evaluate", "", `{"EvalOptions":{"ForceReschedule":true}}`},
		{"/v1/jobs/parse", "", `{"JobHCL":"job \"x\" {\n group \"g\" {\n task \"t\" { driver = \"mock\" }\n }\n}","Canonicalize":true}`},
		{"/v1/validate/job", "", `{"Job":{"ID":"v","Datacenters":["dc1"],"TaskGroups":[{"Name":"g","Tasks":[{"Name":"t","Driver":"mock"}]}]}}`},
		{"/v1/node/" + fuzzNodeID + "/eligibility", "", `{"Eligibility":"ineligible"}`},
		{"/v1/node/" + fuzzNodeID + "/drain", "", `{"DrainSpec":{"Deadline":3600000000000,"IgnoreSystemJobs":true},"MarkEligible":false}`},
		{"/v1/deployment/fail/" + fuzzMissingID, "", ``},
		{"/v1/deployment/unblock/" + fuzzMissingID, "", ``},
		{"/v1/node/pools", "", `{"Name":"gpu","Description":"GPU nodes","Meta":{"a":"b"}}`},
		{"/v1/deployment/pause/" + fuzzMissingID, "", `{"Pause":true}`},
		{"/v1/deployment/promote/" + fuzzMissingID, "", `{"All":true}`},
		{"/v1/allocation/" + fuzzMissingID + "/stop", "no_shutdown_delay=true", ``},
		{"/v1/client/allocation/" + fuzzMissingID + "/restart", "", `{"TaskName":"t","AllTasks":false}`},
		{"/v1/client/allocation/" + fuzzMissingID + "/signal", "", `{"Signal":"SIGHUP","Task":"t"}`},
	}
	routeIndex := map[string]uint8{}
	for i, r := range httpWriteRoutes {
		routeIndex[r.path] = uint8(i)
	}
	for _, s := range seeds {
		i, ok := routeIndex[s.route]
		if !ok {
			f.Fatalf("seed for %s, which httpWriteRoutes lacks", s.route)
		}
		f.Add(i, s.query, []byte(s.body))
	}
	h := fuzzAgent(f)
	f.Fuzz(func(t *testing.T, which uint8, query string, body []byte) {
		route := httpWriteRoutes[int(which)%len(httpWriteRoutes)]
		req, err := http.NewRequest(route.method, (&url.URL{Path: route.path, RawQuery: query}).String(), bytes.NewReader(body))
		if err != nil {
			return // not a query a client could send
		}
		rec := httptest.NewRecorder()
		before := panics.Count()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s %s?%s did not answer within 30s", route.method, route.path, query)
		}
		if panics.Count() != before {
			t.Fatalf("%s %s?%s panicked: %d %s", route.method, route.path, query, rec.Code, rec.Body.String())
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s answered %d: %s", route.method, route.path, query, rec.Code, rec.Body.String())
		}
	})
}
