package allocdir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func fsTree(t *testing.T) (*AllocDir, string) {
	t.Helper()
	root := t.TempDir()
	d := New(filepath.Join(root, "allocs"), "a1")
	if err := os.MkdirAll(filepath.Dir(d.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := d.Build([]string{"web"}); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(root, "secret.txt")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(outside, "top secret")
	write(filepath.Join(d.LogDir(), "web.stdout.0"), "hello\n")
	write(filepath.Join(d.TaskDir("web").LocalDir, "conf.json"), `{"a":1}`)
	if err := os.Symlink(outside, filepath.Join(d.TaskDir("web").LocalDir, "leak")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(d.TaskDir("web").LocalDir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return d, outside
}

func TestList(t *testing.T) {
	d, _ := fsTree(t)
	for _, root := range []string{"", "/"} {
		got, err := d.List(root)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "alloc" || !got[0].IsDir || got[1].Name != "web" {
			t.Fatalf("List(%q) = %+v", root, got)
		}
	}
	got, err := d.List("/web/local")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*FileInfo{}
	for _, fi := range got {
		names[fi.Name] = fi
	}
	if len(names) != 3 || names["leak"].FileMode[0] != 'L' || names["conf.json"].Size != 7 || names["fifo"].FileMode[0] != 'p' {
		t.Fatalf("List(web/local) = %+v", got)
	}
	if _, err := d.List("/web/local/leak"); !errors.Is(err, ErrEscapes) {
		t.Fatalf("List through escaping symlink: %v", err)
	}
	if _, err := d.List("../"); !errors.Is(err, ErrEscapes) {
		t.Fatalf("List(..): %v", err)
	}
}

func TestStat(t *testing.T) {
	d, _ := fsTree(t)
	fi, err := d.Stat("alloc/logs/web.stdout.0")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name != "web.stdout.0" || fi.IsDir || fi.Size != 6 || fi.FileMode != "-rw-r--r--" || fi.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("Stat = %+v", fi)
	}
	fi, err = d.Stat("/web/local/conf.json")
	if err != nil || fi.ContentType != "application/json" {
		t.Fatalf("Stat json = %+v, %v", fi, err)
	}
	fi, err = d.Stat("/")
	if err != nil || !fi.IsDir || fi.Name != "a1" || fi.ContentType != "" {
		t.Fatalf("Stat root = %+v, %v", fi, err)
	}
	if _, err := d.Stat("web/local/leak"); !errors.Is(err, ErrEscapes) {
		t.Fatalf("Stat escaping symlink: %v", err)
	}
	if _, err := d.Stat("web/nope"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Stat missing: %v", err)
	}
}

func TestOpen(t *testing.T) {
	d, _ := fsTree(t)
	f, err := d.Open("/alloc/logs/web.stdout.0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if _, err := d.Open("web/local/leak"); !errors.Is(err, ErrEscapes) {
		t.Errorf("Open escaping symlink: %v", err)
	}
	if _, err := d.Open("web/local"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open dir: %v", err)
	}
	// The FIFO has no writer: the open must neither block nor succeed.
	if _, err := d.Open("web/local/fifo"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open fifo: %v", err)
	}
	if _, err := d.Open("/alloc/../../x"); !errors.Is(err, ErrEscapes) {
		t.Errorf("Open with ..: %v", err)
	}
}

func TestOpenFollowsSymlinkInside(t *testing.T) {
	// A symlink pointing inside (and not into secrets) is resolved by the
	// walk, so Open reads its target.
	d, _ := fsTree(t)
	link := filepath.Join(d.Dir, "web", "local", "in")
	if err := os.Symlink("conf.json", link); err != nil {
		t.Fatal(err)
	}
	f, err := d.Open("web/local/in")
	if err != nil {
		t.Fatalf("Open inside symlink: %v", err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("read %q, %v", b, err)
	}
}
