package allocdir

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// testTree builds, under a fresh temp dir:
//
//	outside/secret
//	base/dir/file
//	base/in-link       -> dir            (relative, inside)
//	base/abs-in        -> <base>/dir     (absolute, inside)
//	base/out-rel       -> ../outside     (relative, escapes)
//	base/out-abs       -> <outside>      (absolute, escapes)
//	base/dir/up        -> ..             (resolves to base: inside)
//	base/dir/upup      -> ../..          (escapes)
//	base/dangling-out  -> /nonexistent-dir/x
//	base/loop          -> loop
func testTree(t *testing.T) (base, outside string) {
	t.Helper()
	root := t.TempDir()
	base = filepath.Join(root, "base")
	outside = filepath.Join(root, "outside")
	for _, d := range []string{filepath.Join(base, "dir"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, content := range map[string]string{
		filepath.Join(outside, "secret"):   "s",
		filepath.Join(base, "dir", "file"): "f",
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"in-link":      "dir",
		"abs-in":       filepath.Join(base, "dir"),
		"out-rel":      "../outside",
		"out-abs":      outside,
		"dir/up":       "..",
		"dir/upup":     "../..",
		"dangling-out": "/nonexistent-dir/x",
		"loop":         "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(base, name)); err != nil {
			t.Fatal(err)
		}
	}
	return base, outside
}

func TestSecureJoin(t *testing.T) {
	base, _ := testTree(t)
	tests := []struct {
		rel     string
		want    string // relative to base; "" with escapes
		escapes bool
	}{
		{rel: "", want: "."},
		{rel: ".", want: "."},
		{rel: "dir/file", want: "dir/file"},
		{rel: "./dir//file", want: "dir/file"},
		{rel: "new/not/yet", want: "new/not/yet"},
		{rel: "in-link/file", want: "dir/file"},
		{rel: "in-link", want: "dir"},
		{rel: "abs-in/file", want: "dir/file"},
		{rel: "dir/up/dir/file", want: "dir/file"},
		{rel: "in-link/new-file", want: "dir/new-file"},

		{rel: "/etc/passwd", escapes: true},
		{rel: "..", escapes: true},
		{rel: "../base/dir", escapes: true},
		{rel: "dir/../dir/file", escapes: true},
		{rel: "dir/\x00file", escapes: true},
		{rel: "out-rel", escapes: true},
		{rel: "out-rel/secret", escapes: true},
		{rel: "out-abs/secret", escapes: true},
		{rel: "out-abs/new-file", escapes: true},
		{rel: "dir/upup/outside/secret", escapes: true},
		{rel: "in-link/upup/outside", escapes: true},
		{rel: "dangling-out", escapes: true},
	}
	for _, tt := range tests {
		got, err := SecureJoin(base, tt.rel)
		if tt.escapes {
			if !errors.Is(err, ErrEscapes) {
				t.Errorf("SecureJoin(%q) = %q, %v; want ErrEscapes", tt.rel, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("SecureJoin(%q): %v", tt.rel, err)
			continue
		}
		if want := filepath.Join(base, tt.want); got != want {
			t.Errorf("SecureJoin(%q) = %q, want %q", tt.rel, got, want)
		}
	}
}

func TestSecureJoinSymlinkLoop(t *testing.T) {
	base, _ := testTree(t)
	_, err := SecureJoin(base, "loop/x")
	if err == nil {
		t.Fatal("no error for a symlink loop")
	}
}

func TestSecureJoinBaseThroughSymlink(t *testing.T) {
	base, _ := testTree(t)
	alias := filepath.Join(filepath.Dir(base), "alias")
	if err := os.Symlink(base, alias); err != nil {
		t.Fatal(err)
	}
	got, err := SecureJoin(alias, "abs-in/file")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(alias, "dir", "file"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSecureJoinMissingBase(t *testing.T) {
	base := filepath.Join(t.TempDir(), "nope")
	got, err := SecureJoin(base, "a/b")
	if err != nil || got != filepath.Join(base, "a", "b") {
		t.Fatalf("got %q, %v", got, err)
	}
}
