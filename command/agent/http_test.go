package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

type result struct {
	code   int
	body   string
	header http.Header
}

func (a *testAPI) do(t *testing.T, method, path string, body interface{}) result {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{code: resp.StatusCode, body: string(out), header: resp.Header}
}

func (r result) expect(t *testing.T, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status = %d, want %d; body: %s", r.code, code, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("body %q lacks %q", r.body, c)
		}
	}
}

func (r result) decode(t *testing.T, out interface{}) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), out); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func TestHTTP_MalformedJSON(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/jobs", "{\n  \"Job\": {\"ID\": \"x\",,}\n}").
		expect(t, 400, "invalid JSON at line 2, column 22: invalid character ','")
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"ID": "x"`).
		expect(t, 400, "invalid JSON at line 1, column 19: unexpected end of input")
	a.do(t, "PUT", "/v1/jobs", "").expect(t, 400, "request body is empty")
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"ID": "x"}} {"again": 1}`).
		expect(t, 400, "unexpected data after the top-level value")
}

func TestHTTP_WrongTypeNamesFieldPath(t *testing.T) {
	a := newTestAPI(t)
	body := `{"Job": {"ID": "web", "TaskGroups": [{"Name": "g", "Count": "three"}]}}`
	a.do(t, "PUT", "/v1/jobs", body).
		expect(t, 400, "TaskGroups[0].Count: expected number, got string (line 1, column")
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"ID": 7}}`).expect(t, 400, "ID: expected string, got number")
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"Datacenters": "dc1"}}`).expect(t, 400, "Datacenters: expected array, got string")
	a.do(t, "PUT", "/v1/jobs", `{"Job": {"TaskGroups": [{"Tasks": [{"KillTimeout": "5s"}]}]}}`).
		expect(t, 400, "TaskGroups[0].Tasks[0].KillTimeout: expected number (nanoseconds), got string")
	a.do(t, "PUT", "/v1/jobs", `[1, 2]`).expect(t, 400, "(body): expected object, got array")
}

func TestHTTP_BodyTooLarge(t *testing.T) {
	a := newTestAPI(t)
	big := `{"Job": {"ID": "` + strings.Repeat("x", MaxRequestBody) + `"}}`
	a.do(t, "PUT", "/v1/jobs", big).expect(t, 413, "request body exceeds the limit")
}

func TestHTTP_NotFoundAndMethodNotAllowed(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/nope", nil).expect(t, 404, "no such endpoint GET /v1/nope")
	r := a.do(t, "PATCH", "/v1/jobs", nil)
	r.expect(t, 405, "method PATCH not allowed on /v1/jobs; allowed: GET, POST, PUT")
	if got := r.header.Get("Allow"); got != "GET, POST, PUT" {
		t.Fatalf("Allow = %q", got)
	}
	a.do(t, "DELETE", "/v1/jobs", nil).expect(t, 405)
	a.do(t, "POST", "/v1/status/leader", nil).expect(t, 405, "allowed: GET")
	a.do(t, "GET", "/v1/agent/join", nil).expect(t, 405, "allowed: POST, PUT")
}

func TestHTTP_ReadHeaders(t *testing.T) {
	a := newTestAPI(t)
	for _, path := range []string{"/v1/jobs", "/v1/nodes", "/v1/allocations", "/v1/evaluations", "/v1/status/leader",
		"/v1/status/peers", "/v1/regions", "/v1/agent/members", "/v1/agent/self", "/v1/operator/raft/configuration", "/v1/metrics"} {
		r := a.do(t, "GET", path, nil)
		r.expect(t, 200)
		for _, h := range []string{"X-Nomad-Index", "X-Nomad-KnownLeader", "X-Nomad-LastContact"} {
			if r.header.Get(h) == "" {
				t.Errorf("%s: header %s missing", path, h)
			}
		}
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: content type %q", path, r.header.Get("Content-Type"))
		}
	}
	r := a.do(t, "GET", "/v1/jobs", nil)
	if r.header.Get("X-Nomad-Index") != "10" || r.header.Get("X-Nomad-KnownLeader") != "true" || r.header.Get("X-Nomad-LastContact") != "0" {
		t.Fatalf("headers = %v", r.header)
	}
}

func TestHTTP_QueryOptionsParsed(t *testing.T) {
	a := newTestAPI(t)
	a.backend.regions = []string{"global", "eu"}
	a.do(t, "GET", "/v1/jobs?index=42&wait=5s&stale&prefix=we&region=eu&namespace=prod", nil).expect(t, 200)
	q := a.backend.lastQuery
	want := structs.QueryOptions{Region: "eu", Namespace: "prod", MinQueryIndex: 42, MaxQueryTime: 5 * time.Second, AllowStale: true, Prefix: "we"}
	if q != want {
		t.Fatalf("query = %+v, want %+v", q, want)
	}

	// Defaults: the agent's region, the default namespace, not stale.
	a.do(t, "GET", "/v1/jobs", nil).expect(t, 200)
	if q := a.backend.lastQuery; q.Region != "global" || q.Namespace != "default" || q.AllowStale || q.MinQueryIndex != 0 || q.MaxQueryTime != 0 {
		t.Fatalf("default query = %+v", q)
	}

	for wait, d := range map[string]time.Duration{"1m": time.Minute, "1500ms": 1500 * time.Millisecond, "1m30s": 90 * time.Second, "1h": MaxQueryWait} {
		a.do(t, "GET", "/v1/jobs?index=1&wait="+wait, nil).expect(t, 200)
		if got := a.backend.lastQuery.MaxQueryTime; got != d {
			t.Errorf("wait=%s parsed as %s, want %s", wait, got, d)
		}
	}
	a.do(t, "GET", "/v1/jobs?stale=false", nil).expect(t, 200)
	if a.backend.lastQuery.AllowStale {
		t.Fatal("stale=false must not allow stale reads")
	}

	a.do(t, "GET", "/v1/jobs?wait=5", nil).expect(t, 400, `invalid wait "5": want a duration with a unit such as 500ms, 5s or 1m`)
	a.do(t, "GET", "/v1/jobs?wait=-1s", nil).expect(t, 400, "invalid wait")
	a.do(t, "GET", "/v1/jobs?index=abc", nil).expect(t, 400, `invalid index "abc": want a non-negative integer`)
	a.do(t, "GET", "/v1/jobs?index=-1", nil).expect(t, 400, "invalid index")
	a.do(t, "GET", "/v1/jobs?stale=maybe", nil).expect(t, 400, "invalid stale")
}

func TestHTTP_Pretty(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/status/peers?pretty", nil).expect(t, 200, "[\n    \"127.0.0.1:4647\"\n]\n")
	a.do(t, "GET", "/v1/status/peers", nil).expect(t, 200, `["127.0.0.1:4647"]`)
}

func TestHTTP_ErrorMapping(t *testing.T) {
	a := newTestAPI(t)
	cases := []struct {
		err  error
		code int
		body string
	}{
		{&structs.ValidationError{Problems: []structs.FieldError{{Path: "TaskGroups[0].Count", Message: "must be 0 or more"}, {Path: "Type", Message: "unknown"}}},
			400, "2 validation errors:\n  * TaskGroups[0].Count: must be 0 or more\n  * Type: unknown"},
		// The text of a validation error after crossing RPC.
		{errors.New("rpc error: 1 validation error:\n  * ID: required"), 400, "* ID: required"},
		{structs.ErrNoLeader, 500, "No cluster leader"},
		{errors.New("rpc error: No cluster leader"), 500, "No cluster leader"},
		{fmt.Errorf("%w \"mars\"; known regions: eu, global", structs.ErrUnknownRegion), 400, `unknown region "mars"; known regions: eu, global`},
		{structs.ErrPermissionDenied, 403, "Permission denied"},
		{fmt.Errorf("job %q: %w", "x", structs.ErrNotFound), 404, `job "x": not found`},
		{&CodedError{Code: 418, Msg: "teapot"}, 418, "teapot"},
		{errors.New("raft: disk on fire"), 500, "raft: disk on fire"},
	}
	for _, c := range cases {
		a.backend.fail["Job.List"] = c.err
		a.do(t, "GET", "/v1/jobs", nil).expect(t, c.code, c.body)
	}
}

func TestHTTP_UnknownRegionIs400(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/jobs?region=mars", nil).expect(t, 400, `unknown region "mars"; known regions: global`)
}

func TestHTTP_NoLeader(t *testing.T) {
	a := newTestAPI(t)
	a.backend.leader = ""
	a.do(t, "GET", "/v1/jobs", nil).expect(t, 500, "No cluster leader")
}

func TestHTTP_PanicBecomes500(t *testing.T) {
	a := newTestAPI(t)
	var logs bytes.Buffer
	a.http.logger = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Error})
	a.backend.panicOn = "Job.List"
	panics.Allow(t)
	before := panics.Count()
	a.do(t, "GET", "/v1/jobs", nil).expect(t, 500, "internal error")
	if !strings.Contains(logs.String(), "recovered panic") || !strings.Contains(logs.String(), "fake backend panic in Job.List") ||
		!strings.Contains(logs.String(), "GET /v1/jobs") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("logs = %s", logs.String())
	}
	if panics.Count() != before+1 {
		t.Fatalf("recovered panics %d -> %d; want it counted", before, panics.Count())
	}
	// The server keeps serving.
	a.backend.panicOn = ""
	a.do(t, "GET", "/v1/jobs", nil).expect(t, 200)
}
