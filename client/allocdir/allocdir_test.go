package allocdir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestBuildLayoutAndModes(t *testing.T) {
	root := t.TempDir()
	d := New(root, "a1")
	if d.Dir != filepath.Join(root, "a1") || d.SharedDir != filepath.Join(root, "a1", "alloc") {
		t.Fatalf("paths %+v", d)
	}
	for i := 0; i < 2; i++ { // idempotent
		if err := d.Build([]string{"web", "sidecar"}); err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
	}
	want := map[string]fs.FileMode{
		"":                0o755 | fs.ModeDir,
		"alloc":           0o755 | fs.ModeDir,
		"alloc/data":      0o777 | fs.ModeDir | fs.ModeSticky,
		"alloc/logs":      0o777 | fs.ModeDir | fs.ModeSticky,
		"alloc/tmp":       0o777 | fs.ModeDir | fs.ModeSticky,
		"web":             0o755 | fs.ModeDir,
		"web/local":       0o755 | fs.ModeDir,
		"web/secrets":     0o700 | fs.ModeDir,
		"web/tmp":         0o777 | fs.ModeDir | fs.ModeSticky,
		"sidecar/secrets": 0o700 | fs.ModeDir,
	}
	for rel, mode := range want {
		fi, err := os.Lstat(filepath.Join(d.Dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), mode)
		}
	}
	td := d.TaskDir("web")
	if td.Dir != filepath.Join(d.Dir, "web") || td.LocalDir != filepath.Join(d.Dir, "web", "local") ||
		td.SecretsDir != filepath.Join(d.Dir, "web", "secrets") || td.TmpDir != filepath.Join(d.Dir, "web", "tmp") ||
		td.SharedAllocDir != d.SharedDir || td.LogDir != filepath.Join(d.SharedDir, "logs") || d.LogDir() != td.LogDir {
		t.Fatalf("TaskDir = %+v", td)
	}
}

func TestBuildRefusesBadNames(t *testing.T) {
	root := t.TempDir()
	for _, task := range []string{"", ".", "..", "a/b", "alloc", "x\x00"} {
		if err := New(root, "a1").Build([]string{task}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("task %q: err %v, want ErrInvalidName", task, err)
		}
	}
	if err := New(root, "..").Build(nil); !errors.Is(err, ErrInvalidName) {
		t.Errorf("alloc ID \"..\": err %v", err)
	}
}

func TestBuildRefusesSymlinkedDir(t *testing.T) {
	root := t.TempDir()
	d := New(root, "a1")
	if err := d.Build(nil); err != nil {
		t.Fatal(err)
	}
	// A task (or anyone) replaced web/local with a symlink to elsewhere.
	if err := os.MkdirAll(filepath.Join(d.Dir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(d.Dir, "web", "local")); err != nil {
		t.Fatal(err)
	}
	if err := d.Build([]string{"web"}); err == nil {
		t.Fatal("Build followed a symlink in place of a directory")
	}
}

func TestDestroy(t *testing.T) {
	d := New(t.TempDir(), "a1")
	if err := d.Build([]string{"web"}); err != nil {
		t.Fatal(err)
	}
	// A task left a directory without write permission.
	ro := filepath.Join(d.TaskDir("web").LocalDir, "ro")
	if err := os.MkdirAll(filepath.Join(ro, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := d.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(d.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("dir still there: %v", err)
	}
	if err := d.Destroy(); err != nil {
		t.Fatalf("second destroy: %v", err)
	}
}
