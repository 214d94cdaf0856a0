package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeAgent is an httptest server that answers with handlers registered per
// "METHOD /path" and remembers the last request it saw.
type fakeAgent struct {
	*httptest.Server
	mux  *http.ServeMux
	last *http.Request
	body string
}

func newFakeAgent(t *testing.T) *fakeAgent {
	t.Helper()
	f := &fakeAgent{mux: http.NewServeMux()}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.last, f.body = r, string(b)
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// handleJSON answers pattern with body and the given index header.
func (f *fakeAgent) handleJSON(pattern string, index uint64, body string) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Nomad-Index", fmt.Sprint(index))
		w.Header().Set("X-Nomad-KnownLeader", "true")
		w.Header().Set("X-Nomad-LastContact", "0")
		fmt.Fprint(w, body)
	})
}

func (f *fakeAgent) client(t *testing.T) *Client {
	t.Helper()
	c, err := NewClient(&Config{Address: f.URL})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func TestDefaultConfigReadsEnvironment(t *testing.T) {
	for _, e := range []string{EnvAddress, EnvRegion, EnvNamespace, EnvNomadAddress, EnvNomadRegion, EnvNomadNamespace} {
		t.Setenv(e, "")
	}
	if got := DefaultConfig().Address; got != DefaultAddress {
		t.Fatalf("default address = %q, want %q", got, DefaultAddress)
	}

	t.Setenv(EnvAddress, "http://10.0.0.1:4646")
	t.Setenv(EnvRegion, "eu")
	t.Setenv(EnvNamespace, "ops")
	cfg := DefaultConfig()
	if cfg.Address != "http://10.0.0.1:4646" || cfg.Region != "eu" || cfg.Namespace != "ops" {
		t.Fatalf("config from env = %+v", cfg)
	}

	// Nomad's names stand in where ours are unset, and lose to ours.
	t.Setenv(EnvNomadAddress, "http://10.0.0.9:4646")
	t.Setenv(EnvNomadRegion, "us")
	t.Setenv(EnvNomadNamespace, "web")
	if cfg := DefaultConfig(); cfg.Address != "http://10.0.0.1:4646" || cfg.Region != "eu" || cfg.Namespace != "ops" {
		t.Fatalf("NOMADISH_ and NOMAD_ both set: %+v; want ours", cfg)
	}
	t.Setenv(EnvAddress, "")
	t.Setenv(EnvRegion, "")
	t.Setenv(EnvNamespace, "")
	if cfg := DefaultConfig(); cfg.Address != "http://10.0.0.9:4646" || cfg.Region != "us" || cfg.Namespace != "web" {
		t.Fatalf("only NOMAD_ set: %+v; want Nomad's", cfg)
	}
}

func TestNewClientAddress(t *testing.T) {
	c, err := NewClient(&Config{Address: "10.0.0.1:4646"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Address() != "http://10.0.0.1:4646" {
		t.Fatalf("address without scheme became %q", c.Address())
	}
	for _, bad := range []string{"ftp://x:1", "http://", "http://[::1"} {
		if _, err := NewClient(&Config{Address: bad}); err == nil {
			t.Errorf("NewClient(%q) accepted a bad address", bad)
		} else if !strings.Contains(err.Error(), bad) {
			t.Errorf("error %q does not name the address %q", err, bad)
		}
	}
}

func TestQueryOptionsBecomeParameters(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/jobs", 42, `[]`)
	c := f.client(t)

	_, qm, err := c.Jobs().List(&QueryOptions{
		Region:     "eu",
		Namespace:  "ops",
		AllowStale: true,
		WaitIndex:  41,
		WaitTime:   5 * time.Second,
		Prefix:     "we",
		Params:     map[string]string{"meta": "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	q := f.last.URL.Query()
	want := map[string]string{"region": "eu", "namespace": "ops", "index": "41", "wait": "5000ms", "prefix": "we", "meta": "true"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("param %s = %q, want %q (query %q)", k, q.Get(k), v, f.last.URL.RawQuery)
		}
	}
	if _, ok := q["stale"]; !ok {
		t.Errorf("stale not sent: %q", f.last.URL.RawQuery)
	}
	if strings.Contains(f.last.URL.RawQuery, "stale=") {
		t.Errorf("stale should be a bare flag: %q", f.last.URL.RawQuery)
	}
	if qm.LastIndex != 42 || !qm.KnownLeader {
		t.Errorf("query meta = %+v", qm)
	}
}

func TestConfigRegionAndNamespaceAreDefaults(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/jobs", 1, `[]`)
	c, err := NewClient(&Config{Address: f.URL, Region: "us", Namespace: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Jobs().List(nil); err != nil {
		t.Fatal(err)
	}
	if q := f.last.URL.Query(); q.Get("region") != "us" || q.Get("namespace") != "web" {
		t.Fatalf("query %q lacks config defaults", f.last.URL.RawQuery)
	}
	if _, _, err := c.Jobs().List(&QueryOptions{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	if q := f.last.URL.Query(); q.Get("region") != "eu" {
		t.Fatalf("option region did not win: %q", f.last.URL.RawQuery)
	}
}

func TestQueryMetaHeaders(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("GET /v1/jobs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Nomad-Index", "7")
		w.Header().Set("X-Nomad-LastContact", "250")
		w.Header().Set("X-Nomad-KnownLeader", "false")
		fmt.Fprint(w, `[]`)
	})
	_, qm, err := f.client(t).Jobs().List(&QueryOptions{AllowStale: true})
	if err != nil {
		t.Fatal(err)
	}
	if qm.LastIndex != 7 || qm.LastContact != 250*time.Millisecond || qm.KnownLeader {
		t.Fatalf("query meta = %+v", qm)
	}
}

func TestUnexpectedResponseKeepsBody(t *testing.T) {
	f := newFakeAgent(t)
	body := "2 errors occurred:\n\t* TaskGroups[0].Count: must be >= 0\n\t* Datacenters: missing\n"
	f.mux.HandleFunc("PUT /v1/jobs", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, body, http.StatusBadRequest)
	})
	_, _, err := f.client(t).Jobs().Register(&Job{ID: "x"}, nil)
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *UnexpectedResponseError", err, err)
	}
	if ue.StatusCode != 400 || ue.Body != strings.TrimRight(body, "\n") {
		t.Fatalf("error = %+v", ue)
	}
	want := "Unexpected response code: 400 (2 errors occurred:\n\t* TaskGroups[0].Count: must be >= 0\n\t* Datacenters: missing)"
	if err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
	if IsNotFound(err) {
		t.Fatal("400 reported as not found")
	}
}

func TestNotFound(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("GET /v1/job/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "job not found", http.StatusNotFound)
	})
	_, _, err := f.client(t).Jobs().Info("nope", nil)
	if !IsNotFound(err) {
		t.Fatalf("IsNotFound(%v) = false", err)
	}
}

func TestConnectionErrorNamesAddress(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()

	c, err := NewClient(&Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Jobs().List(nil)
	var ce *ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *ConnectionError", err, err)
	}
	if ce.Address != addr {
		t.Errorf("ConnectionError.Address = %q, want %q", ce.Address, addr)
	}
	if !strings.Contains(err.Error(), addr+"/v1/jobs") {
		t.Errorf("error %q does not name the URL dialed", err)
	}
}

func TestNonBlockingRequestIsBounded(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	c, err := NewClient(&Config{Address: srv.URL, Timeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Status().Leader()
	var ce *ConnectionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("hung request gave %v, want a deadline error", err)
	}
}

func TestDurationToMsec(t *testing.T) {
	cases := map[time.Duration]string{
		5 * time.Second:         "5000ms",
		1500 * time.Microsecond: "1ms",
		time.Microsecond:        "1ms",
		0:                       "0ms",
	}
	for d, want := range cases {
		if got := durationToMsec(d); got != want {
			t.Errorf("durationToMsec(%v) = %q, want %q", d, got, want)
		}
	}
}
