package agent

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeCheckResults are the check results the fake allocations report, by
// allocation ID.
var (
	fakeChecksMu     sync.Mutex
	fakeCheckResults = map[string]map[string]*structs.CheckQueryResult{}
)

func (a *fakeAlloc) CheckResults() map[string]*structs.CheckQueryResult {
	fakeChecksMu.Lock()
	defer fakeChecksMu.Unlock()
	return fakeCheckResults[a.alloc.ID]
}

// TestClientAllocChecks: the results come back in Nomad's shape, a map of
// check ID to result; an allocation without checks answers {}; an unknown
// allocation is a 404 and a write a 405.
func TestClientAllocChecks(t *testing.T) {
	api, c := newClientTestAPI(t)
	withChecks := "11111111-0000-4000-8000-00000000c0c1"
	without := "11111111-0000-4000-8000-00000000c0c2"
	c.addAlloc(t, withChecks, "api")
	c.addAlloc(t, without, "api")
	fakeChecksMu.Lock()
	fakeCheckResults[withChecks] = map[string]*structs.CheckQueryResult{"abc": {
		ID: "abc", Mode: structs.CheckModeHealthiness, Status: structs.CheckFailure, StatusCode: 503,
		Output: "HTTP GET http://127.0.0.1:1/health: 503", Timestamp: 1700000000, Group: "g", Service: "web", Check: "health",
	}}
	fakeChecksMu.Unlock()
	t.Cleanup(func() {
		fakeChecksMu.Lock()
		delete(fakeCheckResults, withChecks)
		fakeChecksMu.Unlock()
	})

	code, body := get(t, api.srv.URL+"/v1/client/allocation/"+withChecks+"/checks")
	if code != 200 {
		t.Fatalf("checks: %d %s", code, body)
	}
	var got map[string]map[string]interface{}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	r := got["abc"]
	if r == nil || r["Status"] != "failure" || r["Mode"] != "healthiness" || r["StatusCode"] != 503.0 ||
		r["Service"] != "web" || r["Check"] != "health" || r["Timestamp"] != 1700000000.0 || r["ID"] != "abc" {
		t.Fatalf("result %v", r)
	}
	if _, ok := r["Task"]; ok {
		t.Errorf("a group service's result carries a Task: %v", r)
	}

	if code, body := get(t, api.srv.URL+"/v1/client/allocation/"+without+"/checks"); code != 200 || strings.TrimSpace(body) != "{}" {
		t.Errorf("no checks: %d %s, want 200 {}", code, body)
	}
	if code, body := httpDo(t, "PUT", api.srv.URL+"/v1/client/allocation/"+withChecks+"/checks", nil); code != 405 {
		t.Errorf("PUT: %d %s", code, body)
	}
	if code, body := get(t, api.srv.URL+"/v1/client/allocation/11111111-0000-4000-8000-0000000000ff/checks"); code != 404 {
		t.Errorf("unknown allocation: %d %s", code, body)
	}
}
