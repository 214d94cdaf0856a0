package image

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/hashicorp/go-hclog"
)

// testRegistry is an in-process registry on loopback. wrap, if not nil,
// wraps its handler (basic auth, counting).
type testRegistry struct {
	host     string
	srv      *httptest.Server
	blobGets atomic.Int64
}

func newTestRegistry(t testing.TB, wrap func(http.Handler) http.Handler) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	inner := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			tr.blobGets.Add(1)
		}
		inner.ServeHTTP(w, r)
	})
	if wrap != nil {
		h = wrap(h)
	}
	tr.srv = httptest.NewServer(h)
	t.Cleanup(tr.srv.Close)
	tr.host = strings.TrimPrefix(tr.srv.URL, "http://")
	return tr
}

// push writes img as host/repo:tag and returns its manifest digest.
func (tr *testRegistry) push(t testing.TB, repoTag string, img v1.Image, opts ...remote.Option) string {
	t.Helper()
	ref, err := name.ParseReference(tr.host+"/"+repoTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// tentry is one tar entry of a test layer.
type tentry struct {
	name, body, link string
	typ              byte
	mode             int64
	uid, gid         int
}

func file(name, body string) tentry {
	return tentry{name: name, body: body, typ: tar.TypeReg, mode: 0o644}
}
func dir(name string) tentry { return tentry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) tentry {
	return tentry{name: name, link: to, typ: tar.TypeSymlink, mode: 0o777}
}
func hardlink(name, to string) tentry { return tentry{name: name, link: to, typ: tar.TypeLink} }

func tarBytes(t testing.TB, ents ...tentry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link,
			Uid: e.uid, Gid: e.gid, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerOf(t testing.TB, ents ...tentry) v1.Layer {
	t.Helper()
	data := tarBytes(t, ents...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf builds an image of layers with a config for os/arch.
func imageOf(t testing.TB, platform string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	parts := strings.Split(platform, "/")
	cf.OS, cf.Architecture = parts[0], parts[1]
	if len(parts) > 2 {
		cf.Variant = parts[2]
	}
	cf.Config = v1.Config{
		Entrypoint:   []string{"/bin/app"},
		Cmd:          []string{"-serve"},
		Env:          []string{"PATH=/bin", "MODE=test"},
		User:         "1000:1000",
		WorkingDir:   "/srv",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels:       map[string]string{"team": "infra"},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// fakeClock is a clock tests advance by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func openStore(t testing.TB, mod func(*Config)) *Store {
	t.Helper()
	cfg := Config{
		Dir:    t.TempDir(),
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: io.Discard}),
		Now:    (&fakeClock{t: time.Unix(1700000000, 0)}).Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
