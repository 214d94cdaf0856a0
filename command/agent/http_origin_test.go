package agent

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

const originJobBody = `{"Job":{"ID":"csrf","Name":"csrf","Type":"batch","Datacenters":["dc1"],"TaskGroups":[{"Name":"g","Count":1,"Tasks":[{"Name":"t","Driver":"mock","Config":{}}]}]}}`

func (a *testAPI) raw(t *testing.T, method, path, body string, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return result{code: resp.StatusCode, body: string(out), header: resp.Header}
}

func (a *testAPI) hasJob(id string) bool {
	a.backend.mu.Lock()
	defer a.backend.mu.Unlock()
	_, ok := a.backend.jobs[id]
	return ok
}

// Finding 9: a page on another site could register jobs with a text/plain
// POST, which browsers send without asking the server first.
func TestHTTP_CrossSiteWritesRefused(t *testing.T) {
	a := newTestAPI(t)
	for _, tc := range []struct {
		name   string
		header map[string]string
		code   int
		says   string
	}{
		{"foreign origin, text/plain", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, 403, `origin "https://evil.example" refused`},
		{"foreign origin, json", map[string]string{"Origin": "https://evil.example", "Content-Type": "application/json"}, 403, "http_allowed_origins"},
		{"null origin", map[string]string{"Origin": "null"}, 403, `origin "null" refused`},
		{"cross-site fetch without origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 403, "Sec-Fetch-Site"},
		{"text/plain, no origin", map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, 415, "send Content-Type: application/json"},
		{"multipart form", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 415, "multipart/form-data is not accepted"},
		{"form from a browser", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Mode": "navigate"}, 415, "application/x-www-form-urlencoded is not accepted"},
		{"malformed type", map[string]string{"Content-Type": "a/b; ;;="}, 415, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.raw(t, "POST", "/v1/jobs", originJobBody, tc.header).expect(t, tc.code, tc.says)
			if a.hasJob("csrf") {
				t.Fatal("the refused write registered the job")
			}
		})
	}
	// Reads are not writes: a foreign page cannot read the answer anyway
	// (no CORS headers are sent).
	a.raw(t, "GET", "/v1/jobs", "", map[string]string{"Origin": "https://evil.example"}).expect(t, 200)
}

func TestHTTP_WritesFromNonBrowsersAndOwnOrigin(t *testing.T) {
	a := newTestAPI(t)
	for i, header := range []map[string]string{
		nil,
		{"Content-Type": "application/json"},
		// curl -d sends this by default; Nomad's docs use curl so.
		{"Content-Type": "application/x-www-form-urlencoded"},
		// The API's own origin, as the web UI would send it.
		{"Origin": a.srv.URL, "Content-Type": "application/json"},
	} {
		a.raw(t, "POST", "/v1/jobs", originJobBody, header).expect(t, 200)
		if !a.hasJob("csrf") {
			t.Fatalf("case %d: job not registered", i)
		}
		a.raw(t, "DELETE", "/v1/job/csrf?purge=true", "", header).expect(t, 200)
	}

	a.http.agent.config.HTTPAllowedOrigins = []string{"https://ui.example.com"}
	a.raw(t, "POST", "/v1/jobs", originJobBody, map[string]string{"Origin": "https://ui.example.com"}).expect(t, 200)
	a.raw(t, "DELETE", "/v1/job/csrf", "", map[string]string{"Origin": "https://other.example.com"}).expect(t, 403)
	a.http.agent.config.HTTPAllowedOrigins = []string{"*"}
	a.raw(t, "DELETE", "/v1/job/csrf", "", map[string]string{"Origin": "https://other.example.com"}).expect(t, 200)
}

// DNS rebinding: a hostile name resolved to 127.0.0.1 makes a page's
// scripts the API's "own" origin; the Host header gives them away.
func TestHTTP_DNSRebindingRefused(t *testing.T) {
	a := newTestAPI(t)
	port := a.srv.URL[strings.LastIndex(a.srv.URL, ":")+1:]
	evil := "evil.example:" + port
	for _, tc := range []struct {
		method, path string
		header       map[string]string
	}{
		{"POST", "/v1/jobs", map[string]string{"Host": evil, "Origin": "http://" + evil, "Content-Type": "application/json"}},
		{"GET", "/v1/jobs", map[string]string{"Host": evil, "Origin": "http://" + evil}},
		{"GET", "/v1/jobs", map[string]string{"Host": evil, "Sec-Fetch-Site": "same-origin"}},
	} {
		a.raw(t, tc.method, tc.path, originJobBody, tc.header).expect(t, 403, "not one of this agent's addresses", "http_allowed_origins")
		if a.hasJob("csrf") {
			t.Fatalf("%s %s with %v registered the job", tc.method, tc.path, tc.header)
		}
	}
	// Addresses and localhost are the agent's; a typed URL (Sec-Fetch-Site:
	// none) and callers that are not browsers may use any name.
	for _, header := range []map[string]string{
		{"Host": "localhost:" + port, "Origin": "http://localhost:" + port},
		{"Host": "nomad.localhost:" + port, "Origin": "http://nomad.localhost:" + port},
		{"Host": "[::1]:" + port, "Origin": "http://[::1]:" + port},
		{"Host": "127.0.0.1:" + port, "Origin": "http://127.0.0.1:" + port},
		{"Host": evil, "Sec-Fetch-Site": "none"},
		{"Host": evil},
	} {
		a.raw(t, "GET", "/v1/jobs", "", header).expect(t, 200)
	}
	// A name the operator lists as an allowed origin is the agent's.
	a.raw(t, "POST", "/v1/jobs", originJobBody, map[string]string{"Host": "ui.example.com", "Origin": "https://ui.example.com"}).expect(t, 403)
	a.http.agent.config.HTTPAllowedOrigins = []string{"https://ui.example.com"}
	a.raw(t, "POST", "/v1/jobs", originJobBody, map[string]string{"Host": "ui.example.com", "Origin": "https://ui.example.com"}).expect(t, 200)
	if !a.hasJob("csrf") {
		t.Fatal("the allowed origin's write did not register the job")
	}
}

func TestConfig_HTTPAllowedOriginsSyntax(t *testing.T) {
	for _, ok := range []string{"*", "https://ui.example.com", "http://127.0.0.1:8080", "https://ui.example.com/"} {
		if err := checkOriginSyntax(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"ui.example.com", "https://", "ftp://x", "https://x/path", "https://u@x", "https://x?q=1"} {
		if err := checkOriginSyntax(bad); err == nil || !strings.Contains(err.Error(), "scheme://host[:port]") {
			t.Errorf("%q: %v, want a syntax error", bad, err)
		}
	}
	c := DevConfig()
	c.HTTPAllowedOrigins = []string{"nope"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "http_allowed_origins[0]") {
		t.Fatalf("Validate: %v", err)
	}
}
