package logs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFiles_SortedByIndexIgnoringOthers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"web.stdout.10", "web.stdout.2", "web.stdout.9",
		"web.stdout.x", "web.stdout.01", "web.stdout.", "web.stdout.-1",
		"web.stderr.1", "api.stdout.1", "web.stdout.stdout.1", "web.stdout.3.tmp",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "web.stdout.4"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := Files(dir, "web", Stdout)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, f := range files {
		got = append(got, f.Index)
		if f.Size != int64(len(filepath.Base(f.Path))) {
			t.Errorf("%s: size %d", f.Path, f.Size)
		}
	}
	if want := []int{2, 9, 10}; !equalInts(got, want) {
		t.Fatalf("indexes %v, want %v", got, want)
	}
}

func TestFiles_MissingDirIsEmpty(t *testing.T) {
	files, err := Files(filepath.Join(t.TempDir(), "nope"), "web", Stderr)
	if err != nil || len(files) != 0 {
		t.Fatalf("files %v, err %v", files, err)
	}
}

func TestValidate_RefusesEscapingNames(t *testing.T) {
	for _, task := range []string{"", ".", "..", "../web", "a/b", `a\b`, "/etc/passwd", "a\x00b"} {
		if err := validate(task, Stdout); !errors.Is(err, ErrInvalidTask) {
			t.Errorf("task %q: err %v, want ErrInvalidTask", task, err)
		}
	}
	for _, task := range []string{"web", "web.v2", "..web", "my task", "web-1_2"} {
		if err := validate(task, Stderr); err != nil {
			t.Errorf("task %q: %v", task, err)
		}
	}
	if err := validate("web", "stdin"); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("stream stdin: err %v, want ErrInvalidStream", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
