package allocdir

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSecureJoinTask: a destination may lead from the task directory into
// the allocation directory ("../alloc/x"), as in Nomad; leaving the
// allocation directory, by ".." or by a symlink the task planted, is
// refused.
func TestSecureJoinTask(t *testing.T) {
	alloc := t.TempDir()
	task := filepath.Join(alloc, "web")
	for _, d := range []string{filepath.Join(alloc, "alloc", "data"), filepath.Join(task, "local")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	realAlloc, _ := filepath.EvalSymlinks(alloc)
	for rel, want := range map[string]string{
		"local/app.conf":      filepath.Join(realAlloc, "web", "local", "app.conf"),
		"../alloc/data/x":     filepath.Join(realAlloc, "alloc", "data", "x"),
		"local/../../alloc/y": filepath.Join(realAlloc, "alloc", "y"),
		"../other/local/z":    filepath.Join(realAlloc, "other", "local", "z"),
	} {
		got, err := SecureJoinTask(task, rel)
		if err != nil || got != want {
			t.Errorf("SecureJoinTask(%q) = %q, %v; want %q", rel, got, err, want)
		}
	}
	// A symlink in the task's own directory stays confined to it, even
	// when it points into the allocation directory.
	if err := os.Symlink("../../alloc", filepath.Join(task, "local", "shared")); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"../../etc/passwd", "..//../x", "local/../../../x", "/etc/passwd", "local/shared/data"} {
		if got, err := SecureJoinTask(task, rel); !errors.Is(err, ErrEscapes) {
			t.Errorf("SecureJoinTask(%q) = %q, %v; want ErrEscapes", rel, got, err)
		}
	}
}
