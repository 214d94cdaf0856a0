package logs

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
)

// writeFiles lays content out as rotated files of size bytes each.
func writeFiles(t *testing.T, dir string, size int64, content string) {
	t.Helper()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 100, MaxFileSizeBytes: size})
	write(t, r, content)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadFrom_AcrossFiles(t *testing.T) {
	dir := t.TempDir()
	const all = "abcdefghijklm"
	writeFiles(t, dir, 5, all) // abcde | fghij | klm
	for _, tc := range []struct {
		offset int64
		origin Origin
		want   string
	}{
		{0, OriginStart, all},
		{3, OriginStart, "defghijklm"},
		{5, OriginStart, "fghijklm"},
		{12, OriginStart, "m"},
		{13, OriginStart, ""},
		{100, OriginStart, ""},
		{0, OriginEnd, ""},
		{3, OriginEnd, "klm"},
		{4, OriginEnd, "jklm"},
		{8, OriginEnd, "fghijklm"},
		{13, OriginEnd, all},
		{100, OriginEnd, all},
	} {
		rc, err := ReadFrom(dir, "web", Stdout, tc.offset, tc.origin)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, rc); got != tc.want {
			t.Errorf("offset %d from %s: %q, want %q", tc.offset, tc.origin, got, tc.want)
		}
	}
}

func TestReadFrom_AfterPruningCountsFromOldestKept(t *testing.T) {
	dir := t.TempDir()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 2, MaxFileSizeBytes: 3})
	write(t, r, "aaabbbcccdd") // keeps ccc | dd
	r.Close()
	rc, err := ReadFrom(dir, "web", Stdout, 1, OriginStart)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); got != "ccdd" {
		t.Fatalf("%q, want ccdd", got)
	}
}

func TestReadFrom_RefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFrom(dir, "web", Stdout, -1, OriginStart); !errors.Is(err, ErrInvalidOffset) {
		t.Errorf("negative offset: %v", err)
	}
	if _, err := ReadFrom(dir, "web", Stdout, 0, "middle"); !errors.Is(err, ErrInvalidOffset) {
		t.Errorf("bad origin: %v", err)
	}
	if _, err := ReadFrom(dir, "../web", Stdout, 0, OriginStart); !errors.Is(err, ErrInvalidTask) {
		t.Errorf("escaping task: %v", err)
	}
	rc, err := ReadFrom(filepath.Join(dir, "missing"), "web", Stderr, 0, OriginEnd)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); got != "" {
		t.Errorf("no files: %q", got)
	}
}
