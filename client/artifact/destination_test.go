package artifact

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestGetIntoTheAllocationDirectory: as in Nomad, an artifact's destination
// may lead from the task directory into the allocation directory
// ("../alloc/data"), also when written as an absolute path there (an
// interpolated ${NOMAD_ALLOC_DIR}); leaving it is refused.
func TestGetIntoTheAllocationDirectory(t *testing.T) {
	allocDir, taskDir := dirs(t)
	srv := serve(t, map[string][]byte{"/app.bin": []byte("binary")})
	g := &Getter{HTTPClient: srv.Client()}
	get := func(dest string) error {
		return g.Get(context.Background(), &structs.TaskArtifact{GetterSource: srv.URL + "/app.bin", RelativeDest: dest}, nil, allocDir, taskDir)
	}
	if err := get("../alloc/data/"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(allocDir, "alloc", "data", "app.bin")); got != "binary" {
		t.Fatalf("content %q", got)
	}
	if err := get(filepath.Join(allocDir, "alloc", "abs") + "/"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(allocDir, "alloc", "abs", "app.bin")); got != "binary" {
		t.Fatalf("content %q", got)
	}
	for _, dest := range []string{"../../escaped/", filepath.Dir(allocDir) + "/outside/"} {
		if err := get(dest); !errors.Is(err, allocdir.ErrEscapes) {
			t.Errorf("destination %q: %v, want ErrEscapes", dest, err)
		}
	}
}
