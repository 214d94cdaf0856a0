package agent

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestDebugRoutesOnlyWhenEnabled(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *Config
		want int
	}{
		{"default", DefaultConfig(), http.StatusNotFound},
		{"enable_debug", func() *Config { c := DefaultConfig(); c.EnableDebug = true; return c }(), http.StatusOK},
		{"dev", DevConfig(), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newHTTPServer(nil, tc.cfg, nil, hclog.NewNullLogger())
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
			if rec.Code != tc.want {
				t.Fatalf("GET /debug/pprof/ = %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestDebugRoutesOnlyGET(t *testing.T) {
	s := newHTTPServer(nil, DevConfig(), nil, hclog.NewNullLogger())
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/pprof/symbol", "/debug/pprof/profile", "/debug/pprof/trace"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader("main.main")))
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodGet {
				t.Errorf("%s %s = %d (Allow %q), want 405 allowing GET", method, path, rec.Code, rec.Header().Get("Allow"))
			}
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/cmdline", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		t.Fatalf("GET /debug/pprof/cmdline = %d %q", rec.Code, rec.Body.String())
	}
}
