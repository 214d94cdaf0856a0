package image

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPullByTagAndDigest(t *testing.T) {
	reg := newTestRegistry(t, nil)
	img := imageOf(t, "linux/amd64", layerOf(t, dir("bin/"), file("bin/app", "v1"), dir("srv/")))
	digest := reg.push(t, "app:v1", img)
	s := openStore(t, nil)
	ctx := context.Background()

	got, err := s.Pull(ctx, reg.host+"/app:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != digest || got.Digest != digest {
		t.Fatalf("id %s digest %s, want %s", got.ID, got.Digest, digest)
	}
	if b := readFile(t, filepath.Join(got.RootFS, "bin/app")); b != "v1" {
		t.Fatalf("bin/app = %q", b)
	}
	c := got.Config
	if strings.Join(c.Entrypoint, " ") != "/bin/app" || strings.Join(c.Cmd, " ") != "-serve" ||
		c.User != "1000:1000" || c.WorkingDir != "/srv" || strings.Join(c.Env, ",") != "PATH=/bin,MODE=test" ||
		strings.Join(c.ExposedPorts, ",") != "8080/tcp" || c.Labels["team"] != "infra" {
		t.Fatalf("config = %+v", c)
	}
	if got.Platform != "linux/amd64" {
		t.Fatalf("platform = %q", got.Platform)
	}

	byDigest, err := s.Pull(ctx, reg.host+"/app@"+digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if byDigest.RootFS != got.RootFS {
		t.Fatalf("by digest unpacked again: %s vs %s", byDigest.RootFS, got.RootFS)
	}

	// A digest the store holds needs no registry.
	reg.srv.Close()
	if _, err := s.Pull(ctx, reg.host+"/app@"+digest, nil); err != nil {
		t.Fatalf("pull by digest with the registry down: %v", err)
	}

	// A reopened store knows the image; a fresh pull by digest needs none.
	s2, err := Open(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Acquire(digest); err != nil {
		t.Fatalf("reopened store lost the image: %v", err)
	}
}

func TestPullUnknownDigest(t *testing.T) {
	// A digest the registry lacks, in a repository it has.
	reg := newTestRegistry(t, nil)
	digest := reg.push(t, "app:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1"))))
	other := reg.push(t, "app:v2", imageOf(t, "linux/amd64", layerOf(t, file("a", "2"))))
	if digest == other {
		t.Fatal("images equal")
	}
	s := openStore(t, nil)
	bogus := "sha256:" + strings.Repeat("0", 64)
	_, err := s.Pull(context.Background(), reg.host+"/app@"+bogus, nil)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestPullMultiArch(t *testing.T) {
	reg := newTestRegistry(t, nil)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: imageOf(t, "linux/amd64", layerOf(t, file("arch", "amd64"))),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: imageOf(t, "linux/arm64/v8", layerOf(t, file("arch", "arm64"))),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: imageOf(t, "linux/arm/v7", layerOf(t, file("arch", "armv7"))),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}}},
	)
	ref := reg.host + "/multi:latest"
	r, err := (&Store{}).parseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		want v1.Platform
		arch string
	}{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, "amd64"},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, "arm64"}, // arm64 means v8
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, "armv7"},
	} {
		s := openStore(t, func(c *Config) { p := tc.want; c.Platform = &p })
		img, err := s.Pull(context.Background(), ref, nil)
		if err != nil {
			t.Fatalf("%s: %v", platformString(&tc.want), err)
		}
		if got := readFile(t, filepath.Join(img.RootFS, "arch")); got != tc.arch {
			t.Fatalf("%s: got the %s image", platformString(&tc.want), got)
		}
	}
	s := openStore(t, func(c *Config) { c.Platform = &v1.Platform{OS: "linux", Architecture: "s390x"} })
	_, err = s.Pull(context.Background(), ref, nil)
	if !errors.Is(err, ErrNoPlatform) || !strings.Contains(err.Error(), "linux/arm64/v8") || !strings.Contains(err.Error(), "linux/s390x") {
		t.Fatalf("err = %v, want ErrNoPlatform listing the platforms", err)
	}
}

func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestPullCredentials(t *testing.T) {
	reg := newTestRegistry(t, basicAuth("alice", "s3cret"))
	img := imageOf(t, "linux/amd64", layerOf(t, file("a", "1")))
	reg.push(t, "private:v1", img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))
	ref := reg.host + "/private:v1"
	ctx := context.Background()

	t.Setenv("DOCKER_CONFIG", t.TempDir()) // an empty Docker config
	for _, auth := range []*Auth{nil, {Username: "alice", Password: "wrong"}} {
		_, err := openStore(t, nil).Pull(ctx, ref, auth)
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("auth %v: err = %v, want ErrUnauthorized", auth, err)
		}
		if !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "auth block") || !strings.Contains(err.Error(), "401") {
			t.Fatalf("error does not say what to do: %v", err)
		}
	}
	if _, err := openStore(t, nil).Pull(ctx, ref, &Auth{Username: "alice", Password: "s3cret"}); err != nil {
		t.Fatalf("task auth: %v", err)
	}

	// Credentials from the Docker config file, through the default keychain.
	cfgDir := t.TempDir()
	b64 := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	conf := `{"auths":{"` + reg.host + `":{"auth":"` + b64 + `"}}}`
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", cfgDir)
	if _, err := openStore(t, nil).Pull(ctx, ref, nil); err != nil {
		t.Fatalf("docker config auth: %v", err)
	}
}

func TestPullUnknownImage(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.push(t, "app:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1"))))
	s := openStore(t, nil)
	for _, ref := range []string{reg.host + "/app:nope", reg.host + "/nope:v1"} {
		_, err := s.Pull(context.Background(), ref, nil)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), ref) {
			t.Fatalf("%s: err = %v, want ErrNotFound naming the image", ref, err)
		}
	}
	if _, err := s.Pull(context.Background(), "UPPER/Case::bad", nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad reference: err = %v, want ErrInvalid", err)
	}
}

func TestPullUnreachable(t *testing.T) {
	// A listener that accepts and never answers: the pull must end with ctx.
	addr := silentListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	ref := addr + "/app:v1"
	_, err := openStore(t, nil).Pull(ctx, ref, nil)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), ref) {
		t.Fatalf("err = %v, want ErrUnreachable naming the image", err)
	}

	// Nothing listening at all.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := ln2.Addr().String()
	ln2.Close()
	_, err = openStore(t, nil).Pull(context.Background(), gone+"/app:v1", nil)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
}

func TestConcurrentPullsShareOneDownload(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.push(t, "app:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", strings.Repeat("x", 1<<16)))))
	s := openStore(t, nil)
	before := reg.blobGets.Load()
	const n = 8
	var wg sync.WaitGroup
	imgs := make([]*Image, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			imgs[i], errs[i] = s.Pull(context.Background(), reg.host+"/app:v1", nil)
		}(i)
	}
	wg.Wait()
	for i := range imgs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if imgs[i].RootFS != imgs[0].RootFS {
			t.Fatalf("pull %d unpacked elsewhere: %s", i, imgs[i].RootFS)
		}
	}
	// One config and one layer, each fetched once.
	if got := reg.blobGets.Load() - before; got != 2 {
		t.Fatalf("%d blob fetches for %d concurrent pulls, want 2", got, n)
	}
}

func TestPlainHTTP(t *testing.T) {
	s := openStore(t, func(c *Config) { c.InsecureRegistries = []string{"reg.internal:5000", "10.0.0.9"} })
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "127.8.0.1": true, "[::1]:5000": true, "localhost:5000": true, "LOCALHOST": true,
		"reg.internal:5000": true, "10.0.0.9:443": true,
		"reg.internal": false, "10.0.0.8:5000": false, "192.168.1.2:5000": false, "index.docker.io": false,
	} {
		if got := s.plainHTTP(host); got != want {
			t.Errorf("plainHTTP(%q) = %v, want %v", host, got, want)
		}
	}
	var seen string
	rt := httpsOnly{next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r.URL.String()
		return nil, errors.New("stop")
	}), allow: s.plainHTTP}
	req, _ := http.NewRequest("GET", "http://192.168.1.2:5000/v2/", nil)
	rt.RoundTrip(req)
	if seen != "https://192.168.1.2:5000/v2/" {
		t.Fatalf("private registry reached as %s, want https", seen)
	}
	req, _ = http.NewRequest("GET", "http://10.0.0.9:5000/v2/", nil)
	rt.RoundTrip(req)
	if seen != "http://10.0.0.9:5000/v2/" {
		t.Fatalf("listed registry reached as %s, want http", seen)
	}
}
