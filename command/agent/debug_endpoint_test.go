package agent

import (
	"net/http"
	"net/http/httptest"
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
