package artifact

import (
	"archive/tar"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestDetectArchive(t *testing.T) {
	for name, want := range map[string]string{
		"a.tar": archiveTar, "a.TAR.GZ": archiveTarGz, "a.tgz": archiveTarGz, "a.zip": archiveZip,
		"a.gz": archiveNone, "tar": archiveNone, "": archiveNone,
	} {
		if got := detectArchive(name); got != want {
			t.Errorf("detectArchive(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestMaliciousArchives serves crafted archives and checks that each is
// refused with the right error and that nothing lands outside the task
// directory.
func TestMaliciousArchives(t *testing.T) {
	cases := []struct {
		name    string
		archive func(t *testing.T) []byte
		ext     string
		want    error
	}{
		{"tar dot-dot", func(t *testing.T) []byte { return makeTar(t, false, entry{name: "../../evil", body: "x"}) }, "tar", allocdir.ErrEscapes},
		{"tar nested dot-dot", func(t *testing.T) []byte { return makeTar(t, false, entry{name: "a/../../../evil", body: "x"}) }, "tar", allocdir.ErrEscapes},
		{"tar absolute", func(t *testing.T) []byte { return makeTar(t, true, entry{name: "/tmp/evil", body: "x"}) }, "tar.gz", allocdir.ErrEscapes},
		{"tar symlink absolute", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "l", typ: tar.TypeSymlink, linkname: "/etc/passwd"})
		}, "tar", allocdir.ErrEscapes},
		{"tar symlink up", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "d/l", typ: tar.TypeSymlink, linkname: "../../../x"})
		}, "tar", allocdir.ErrEscapes},
		{"tar symlink dot-dot after name", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "l", typ: tar.TypeSymlink, linkname: "d/../../x"})
		}, "tar", allocdir.ErrEscapes},
		{"tar write through symlink to dot", func(t *testing.T) []byte {
			// "a" points at the destination itself; a link in a/b with
			// ../../x would be inside lexically but outside on disk.
			return makeTar(t, false,
				entry{name: "a", typ: tar.TypeSymlink, linkname: "."},
				entry{name: "a/b/", typ: tar.TypeDir},
				entry{name: "a/b/l", typ: tar.TypeSymlink, linkname: "../../x"})
		}, "tar", allocdir.ErrEscapes},
		{"tar hard link absolute", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "h", typ: tar.TypeLink, linkname: "/etc/passwd"})
		}, "tar", allocdir.ErrEscapes},
		{"tar hard link up", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "h", typ: tar.TypeLink, linkname: "../../secret"})
		}, "tar", allocdir.ErrEscapes},
		{"tar char device", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "null", typ: tar.TypeChar})
		}, "tar", ErrUnsafeEntry},
		{"tar block device", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "sda", typ: tar.TypeBlock})
		}, "tar", ErrUnsafeEntry},
		{"tar fifo", func(t *testing.T) []byte { return makeTar(t, false, entry{name: "p", typ: tar.TypeFifo}) }, "tar", ErrUnsafeEntry},
		{"zip dot-dot", func(t *testing.T) []byte { return makeZip(t, entry{name: "../evil", body: "x"}) }, "zip", allocdir.ErrEscapes},
		{"zip absolute", func(t *testing.T) []byte { return makeZip(t, entry{name: "/tmp/evil", body: "x"}) }, "zip", allocdir.ErrEscapes},
		{"zip symlink out", func(t *testing.T) []byte { return makeZip(t, entry{name: "l", linkname: "../../../etc"}) }, "zip", allocdir.ErrEscapes},
		{"zip symlink absolute", func(t *testing.T) []byte { return makeZip(t, entry{name: "l", linkname: "/etc/passwd"}) }, "zip", allocdir.ErrEscapes},
		{"zip fifo", func(t *testing.T) []byte { return makeZip(t, entry{name: "p", typ: tar.TypeFifo}) }, "zip", ErrUnsafeEntry},
		{"tar through planted symlink", func(t *testing.T) []byte {
			return makeTar(t, false, entry{name: "planted/evil", body: "x"})
		}, "tar", allocdir.ErrEscapes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.archive(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
			defer srv.Close()
			allocDir, taskDir := dirs(t)
			outside := t.TempDir()
			// A symlink the task left behind in its own directory,
			// leading out.
			if err := os.Symlink(outside, filepath.Join(taskDir, "local", "planted")); err != nil {
				t.Fatal(err)
			}
			src := srv.URL + "/a." + tc.ext
			err := (&Getter{HTTPClient: srv.Client()}).Get(context.Background(), &structs.TaskArtifact{GetterSource: src}, nil, allocDir, taskDir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			assertEmpty(t, outside)
			if _, err := os.Lstat(filepath.Join(filepath.Dir(allocDir), "evil")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("evil written next to the alloc dir")
			}
		})
	}
}
