package fingerprint

import (
	"os"
	"path/filepath"
	"testing"
)

const (
	x86Root = "testdata/x86-cgroup2"
	armRoot = "testdata/arm-cgroup1"
)

// run calls one fingerprinter and returns its response.
func run(t *testing.T, f Fingerprinter, req *Request) (*Response, error) {
	t.Helper()
	var resp Response
	err := f.Fingerprint(req, &resp)
	return &resp, err
}

// wantAttrs checks that resp has exactly these values for these names.
func wantAttrs(t *testing.T, resp *Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := resp.Attributes[k]
		if !ok {
			t.Errorf("attribute %s missing; have %v", k, resp.Attributes)
			continue
		}
		if got != v {
			t.Errorf("attribute %s = %q, want %q", k, got, v)
		}
	}
}

// writeTree creates files (path → content) under a new temporary root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
