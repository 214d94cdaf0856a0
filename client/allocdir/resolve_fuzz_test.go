package allocdir

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzTree is an allocation directory of task "web" with a secret, a file
// outside the allocation, and symlinks of every kind a task could plant.
type fuzzTree struct {
	d         *AllocDir
	root      string
	forbidden []string // what no resolution may reach
	link      string   // alloc/data/fz: the fuzzer's own symlink
}

func newFuzzTree(t testing.TB) *fuzzTree {
	t.Helper()
	root := t.TempDir()
	d := New(filepath.Join(root, "allocs"), "a1")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Dir(d.Dir), 0o755))
	must(d.Build([]string{"web"}))
	secrets := d.TaskDir("web").SecretsDir
	must(os.WriteFile(filepath.Join(secrets, "token"), []byte("SECRET"), 0o600))
	must(os.Mkdir(filepath.Join(secrets, "sub"), 0o700))
	must(os.WriteFile(filepath.Join(root, "outside"), []byte("OUTSIDE"), 0o644))
	must(os.WriteFile(filepath.Join(d.TaskDir("web").LocalDir, "conf"), []byte("ok"), 0o644))
	data := filepath.Join(d.SharedDir, SharedDataName)
	for name, target := range map[string]string{
		"sec":    "../../web/secrets",
		"abssec": secrets,
		"out":    filepath.Join(root, "outside"),
		"up":     "../../..",
		"loop":   "loop",
		"conf":   "../../web/local/conf",
		"web":    "../../web",
		"dot":    ".",
	} {
		must(os.Symlink(target, filepath.Join(data, name)))
	}
	return &fuzzTree{
		d: d, root: root,
		forbidden: []string{secrets, filepath.Join(secrets, "token"), filepath.Join(secrets, "sub"), root, filepath.Join(root, "outside"), filepath.Dir(d.Dir)},
		link:      filepath.Join(data, "fz"),
	}
}

// check resolves p and fails if the result is a forbidden file, a path in
// a secrets directory, or an error that names a host path.
func (ft *fuzzTree) check(t *testing.T, p string) {
	r, err := ft.d.resolve("stat", p)
	if err != nil {
		if strings.Contains(err.Error(), ft.root) {
			t.Fatalf("resolve(%q): error names a host path: %v", p, err)
		}
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Fatalf("resolve(%q): error is not a *PathError: %v", p, err)
		}
		return
	}
	defer r.dir.Close()
	for _, f := range ft.forbidden {
		if fi, err := os.Lstat(f); err == nil && os.SameFile(fi, r.info) {
			t.Fatalf("resolve(%q) reached %s (logical %q)", p, f, r.logical)
		}
	}
	parts := strings.Split(r.logical, "/")
	if len(parts) >= 2 && parts[1] == SecretsDirName {
		t.Fatalf("resolve(%q) = %q, in a secrets directory", p, r.logical)
	}
	for _, c := range parts {
		if c == ".." {
			t.Fatalf("resolve(%q) = %q", p, r.logical)
		}
	}
	// Reading it never yields the secret or the outside file.
	if f, err := ft.d.Open(p); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, 64))
		f.Close()
		if s := string(b); s == "SECRET" || s == "OUTSIDE" {
			t.Fatalf("Open(%q) read %q", p, s)
		}
	}
	if list, err := ft.d.List(p); err == nil {
		for _, e := range list {
			if e.Name == "token" || e.Name == "outside" || e.Name == "allocs" {
				t.Fatalf("List(%q) shows %q of a forbidden directory", p, e.Name)
			}
		}
	}
}

// FuzzResolve: whatever path the caller sends, and whatever symlink the
// task planted (target), the fs API's resolver stays inside the
// allocation directory, out of every secrets directory, and names no host
// path in its errors.
func FuzzResolve(f *testing.F) {
	for _, seed := range []struct{ target, path string }{
		{"", "web/secrets/token"},
		{"", "alloc/data/sec/token"},
		{"", "alloc/data/abssec/sub"},
		{"", "alloc/data/up/outside"},
		{"", "alloc/data/out"},
		{"", "alloc/data/loop/x"},
		{"", "alloc/data/web/secrets"},
		{"", "alloc/data/dot/dot/web/./secrets/"},
		{"", "/alloc//data/./conf"},
		{"", "web/../web/secrets"},
		{"", "web/secrets\x00"},
		{"", strings.Repeat("alloc/data/dot/", 400)},
		{"../../web/secrets", "alloc/data/fz/token"},
		{"../../web/local/../secrets", "alloc/data/fz"},
		{"/", "alloc/data/fz/etc/passwd"},
		{"../../../../..", "alloc/data/fz"},
		{"web/secrets", "alloc/data/fz"},
		{"fz", "alloc/data/fz"},
		{"sec/../../..", "alloc/data/fz"},
		{"dot/web/secrets/sub", "alloc/data/fz/.."},
	} {
		f.Add(seed.target, seed.path)
	}
	ft := newFuzzTree(f)
	f.Fuzz(func(t *testing.T, target, path string) {
		if err := os.Remove(ft.link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if target != "" && !strings.ContainsRune(target, 0) && len(target) < 4096 {
			// The task's own symlink; absolute targets are
			// relative to the host's root, as the kernel sees them.
			_ = os.Symlink(target, ft.link)
		}
		ft.check(t, path)
	})
}
