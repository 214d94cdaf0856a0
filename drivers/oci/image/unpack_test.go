package image

import (
	"archive/tar"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestMaliciousLayersRefused(t *testing.T) {
	outside := t.TempDir()
	reg := newTestRegistry(t, nil)
	cases := []struct {
		name   string
		layers [][]tentry
		entry  string // named in the error
	}{
		{"dotdot", [][]tentry{{file("../escape", "x")}}, "../escape"},
		{"dotdot inside", [][]tentry{{dir("a/"), file("a/../../escape", "x")}}, "a/../../escape"},
		{"absolute", [][]tentry{{file(outside+"/abs", "x")}}, outside + "/abs"},
		{"through symlink", [][]tentry{{symlink("evil", outside), file("evil/pwned", "x")}}, "evil/pwned"},
		{"through symlink of a lower layer", [][]tentry{{symlink("evil", outside)}, {file("evil/pwned", "x")}}, "evil/pwned"},
		{"dir through symlink", [][]tentry{{symlink("evil", outside), dir("evil/sub/")}}, "evil/sub/"},
		{"symlink climbing out", [][]tentry{{dir("a/"), symlink("a/up", "../../..")}}, "a/up"},
		{"hardlink climbing out", [][]tentry{{hardlink("h", "../outside/x")}}, "h"},
		{"hardlink absolute", [][]tentry{{hardlink("h", "/etc/passwd")}}, "h"},
		{"hardlink through symlink", [][]tentry{{symlink("evil", outside), hardlink("h", "evil/x")}}, "h"},
		{"whiteout of dotdot", [][]tentry{{dir("a/"), file("a/keep", "x")}, {file("a/.wh...", "")}}, "a/.wh..."},
	}
	if err := os.WriteFile(filepath.Join(outside, "x"), []byte("host file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var layers []v1.Layer
			for _, ents := range tc.layers {
				layers = append(layers, layerOf(t, ents...))
			}
			bad := layers[len(layers)-1]
			badDigest, _ := bad.Digest()
			reg.push(t, "evil:"+string(rune('a'+i)), imageOf(t, "linux/amd64", layers...))
			s := openStore(t, nil)
			_, err := s.Pull(context.Background(), reg.host+"/evil:"+string(rune('a'+i)), nil)
			if !errors.Is(err, ErrUnsafeLayer) {
				t.Fatalf("err = %v, want ErrUnsafeLayer", err)
			}
			if !strings.Contains(err.Error(), badDigest.String()) || !strings.Contains(err.Error(), tc.entry) {
				t.Fatalf("error does not name layer %s and entry %q: %v", badDigest, tc.entry, err)
			}
			if strings.Contains(tc.name, "symlink") && !strings.Contains(err.Error(), "symlink") {
				t.Fatalf("error does not say a symlink is the problem: %v", err)
			}
			ents, _ := os.ReadDir(outside)
			if len(ents) != 1 || readFile(t, filepath.Join(outside, "x")) != "host file" {
				t.Fatalf("something landed outside: %v", ents)
			}
			for _, d := range []string{"images", "tmp"} {
				if ents, _ := os.ReadDir(filepath.Join(s.cfg.Dir, d)); len(ents) != 0 {
					t.Fatalf("%s/ holds %v after a refused unpack", d, ents)
				}
			}
		})
	}
}

func TestWhiteouts(t *testing.T) {
	reg := newTestRegistry(t, nil)
	lower := layerOf(t, dir("a/"), file("a/gone", "1"), file("a/kept", "1"),
		dir("b/"), file("b/lower", "1"), dir("b/sub/"), file("b/sub/deep", "1"),
		dir("c/"), file("c/kept", "1"), dir("d/"), file("d/x", "1"))
	upper := layerOf(t, file("a/.wh.gone", ""),
		// The opaque marker after an entry of its own layer must keep it.
		file("b/new", "2"), file("b/.wh..wh..opq", ""), dir("b/sub/"), file("b/sub/fresh", "2"),
		file(".wh.d", ""))
	reg.push(t, "wh:v1", imageOf(t, "linux/amd64", lower, upper))
	img, err := openStore(t, nil).Pull(context.Background(), reg.host+"/wh:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	exists := func(p string) bool {
		_, err := os.Lstat(filepath.Join(img.RootFS, p))
		return err == nil
	}
	for p, want := range map[string]bool{
		"a/gone": false, "a/kept": true, "a/.wh.gone": false,
		"b/lower": false, "b/sub/deep": false, "b/new": true, "b/sub/fresh": true, "b/.wh..wh..opq": false,
		"c/kept": true, "d": false,
	} {
		if got := exists(p); got != want {
			t.Errorf("%s exists = %v, want %v", p, got, want)
		}
	}
}

func TestUnpackModesOwnersLinks(t *testing.T) {
	reg := newTestRegistry(t, nil)
	suid := file("bin/su", "#!")
	suid.mode = 0o4755
	suid.uid, suid.gid = 0, 0
	owned := file("home/app/data", "d")
	owned.uid, owned.gid = 1234, 5678
	sticky := dir("tmp/")
	sticky.mode = 0o1777
	dev := tentry{name: "dev/sda", typ: tar.TypeBlock, mode: 0o600}
	fifo := tentry{name: "run/fifo", typ: tar.TypeFifo, mode: 0o600}
	l := layerOf(t, dir("bin/"), suid, dir("home/app/"), owned, sticky, dir("dev/"), dev, dir("run/"), fifo,
		symlink("bin/sh", "/bin/su"), hardlink("bin/su2", "bin/su"), file("etc/replaced", "old"))
	l2 := layerOf(t, symlink("etc/replaced", "/etc/elsewhere"))
	reg.push(t, "modes:v1", imageOf(t, "linux/amd64", l, l2))
	img, err := openStore(t, nil).Pull(context.Background(), reg.host+"/modes:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(p string) os.FileInfo {
		t.Helper()
		fi, err := os.Lstat(filepath.Join(img.RootFS, p))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if m := at("bin/su").Mode(); m&os.ModeSetuid == 0 || m.Perm() != 0o755 {
		t.Errorf("bin/su mode %v, want setuid 0755", m)
	}
	if m := at("tmp").Mode(); m&os.ModeSticky == 0 || m.Perm() != 0o777 {
		t.Errorf("tmp mode %v, want sticky 0777", m)
	}
	if _, err := os.Lstat(filepath.Join(img.RootFS, "dev/sda")); !os.IsNotExist(err) {
		t.Errorf("device node created: %v", err)
	}
	if at("run/fifo").Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo not created")
	}
	if to, _ := os.Readlink(filepath.Join(img.RootFS, "bin/sh")); to != "/bin/su" {
		t.Errorf("bin/sh -> %q", to)
	}
	if to, _ := os.Readlink(filepath.Join(img.RootFS, "etc/replaced")); to != "/etc/elsewhere" {
		t.Errorf("etc/replaced -> %q, want the upper layer's symlink", to)
	}
	if !os.SameFile(at("bin/su"), at("bin/su2")) {
		t.Errorf("bin/su2 is not a hard link of bin/su")
	}
	if os.Geteuid() == 0 {
		st := at("home/app/data").Sys().(*syscall.Stat_t)
		if st.Uid != 1234 || st.Gid != 5678 {
			t.Errorf("home/app/data owned by %d:%d, want 1234:5678", st.Uid, st.Gid)
		}
	} else {
		t.Log("not root: owners are not kept, not checked")
	}
}

func TestBounds(t *testing.T) {
	reg := newTestRegistry(t, nil)
	big := layerOf(t, file("big", strings.Repeat("x", 4096)))
	reg.push(t, "big:v1", imageOf(t, "linux/amd64", big))
	reg.push(t, "many:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1")), layerOf(t, file("b", "2")), layerOf(t, file("c", "3"))))
	reg.push(t, "wide:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1"), file("b", "2"), file("c", "3"))))
	ctx := context.Background()
	for _, tc := range []struct {
		ref  string
		cfg  func(*Config)
		want string
	}{
		{"big:v1", func(c *Config) { c.MaxUncompressedSize = 1000 }, `entry "big"`},
		{"big:v1", func(c *Config) { c.MaxCompressedSize = 10 }, "bytes of layers"},
		{"many:v1", func(c *Config) { c.MaxLayers = 2 }, "3 layers, over the bound of 2"},
		{"wide:v1", func(c *Config) { c.MaxLayerEntries = 2 }, "more than 2 entries"},
	} {
		_, err := openStore(t, tc.cfg).Pull(ctx, reg.host+"/"+tc.ref, nil)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrTooLarge saying %q", tc.ref, err, tc.want)
		}
	}
}
