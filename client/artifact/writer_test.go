package artifact

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriterEntryLimit(t *testing.T) {
	w := &writer{remaining: 1 << 20, entries: maxEntries - 1}
	if err := w.entry(); err != nil {
		t.Fatalf("last allowed entry: %v", err)
	}
	if err := w.entry(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("entry past the limit = %v, want ErrTooLarge", err)
	}
}

func TestWriterFileBoundsAndReplaces(t *testing.T) {
	dir := t.TempDir()
	w := &writer{root: dir, remaining: 10}
	if err := w.file(dir, "a", strings.NewReader("12345"), 0o4755); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a")); fi.Mode() != 0o755 {
		t.Errorf("mode %v: setuid must be dropped", fi.Mode())
	}
	// A name that is an in-place symlink resolves to its target, which
	// is replaced: the write stays confined either way.
	if err := os.Symlink("a", filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	if err := w.file(dir, "b", strings.NewReader("xy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a")); string(b) != "xy" {
		t.Errorf("a = %q", b)
	}
	if err := w.file(dir, "c", strings.NewReader("123456"), 0o644); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit = %v, want ErrTooLarge", err)
	}
	if err := w.mkdir(dir, "d", 0); err != nil {
		t.Fatal(err)
	}
	if err := w.file(dir, "d", strings.NewReader("x"), 0o644); !errors.Is(err, ErrInvalid) {
		t.Fatalf("file over a directory = %v, want ErrInvalid", err)
	}
}
