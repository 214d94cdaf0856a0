package image

import (
	"context"
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
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// silentListener accepts connections and never answers on them.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// A registry that takes the connection and never answers ends the pull
// after the activity timeout, not at the caller's much later deadline.
func TestPullActivityTimeoutSilentRegistry(t *testing.T) {
	addr := silentListener(t)
	s := openStore(t, func(c *Config) { c.ActivityTimeout = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := addr + "/app:v1"
	_, err := s.Pull(ctx, ref, nil)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
	for _, want := range []string{ref, "registry " + addr, "sent nothing for 300ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the pull ran into the caller's deadline instead of the activity timeout")
	}
}

// stallingLayer serves half of every layer blob and then holds the
// connection open without sending more until the client goes away; with
// slow set it instead sends the whole blob in small pieces, pausing
// between them.
func stallingLayer(layerDigest string, slow time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+layerDigest) {
				next.ServeHTTP(w, r)
				return
			}
			rec := &bufferWriter{header: http.Header{}}
			next.ServeHTTP(rec, r)
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			body, fl := rec.body, w.(http.Flusher)
			if slow == 0 {
				w.Write(body[:len(body)/2])
				fl.Flush()
				<-r.Context().Done()
				return
			}
			const pieces = 8
			for i := 0; i < pieces; i++ {
				w.Write(body[i*len(body)/pieces : (i+1)*len(body)/pieces])
				fl.Flush()
				select {
				case <-time.After(slow):
				case <-r.Context().Done():
					return
				}
			}
		})
	}
}

type bufferWriter struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

// A registry that stops sending in the middle of a layer ends the pull
// with ErrStalled and leaves nothing half-written in the store; one that
// is slow but keeps sending is not cut off.
func TestPullActivityTimeoutMidLayer(t *testing.T) {
	layer := layerOf(t, file("big", strings.Repeat("x", 1<<20)))
	ld, err := layer.Digest()
	if err != nil {
		t.Fatal(err)
	}
	img := imageOf(t, "linux/amd64", layer)

	stall := newTestRegistry(t, stallingLayer(ld.String(), 0))
	stall.push(t, "app:v1", img)
	s := openStore(t, func(c *Config) { c.ActivityTimeout = 300 * time.Millisecond })
	_, err = s.Pull(context.Background(), stall.host+"/app:v1", nil)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "registry "+stall.host) {
		t.Fatalf("err = %v, want ErrStalled naming the registry", err)
	}
	if s.blobs.has(ld) {
		t.Fatal("a half-fetched layer was stored")
	}
	if left, _ := os.ReadDir(s.tmpDir); len(left) != 0 {
		t.Fatalf("the stalled pull left %d files in the store's tmp", len(left))
	}

	// 8 pieces 100ms apart take longer than the activity timeout of 300ms
	// in all, but no gap is that long.
	slow := newTestRegistry(t, stallingLayer(ld.String(), 100*time.Millisecond))
	slow.push(t, "app:v1", img)
	if _, err := s.Pull(context.Background(), slow.host+"/app:v1", nil); err != nil {
		t.Fatalf("a slow registry that keeps sending: %v", err)
	}
}

// Credentials come from a Docker credential helper named in the Docker
// config file's credHelpers, as `docker pull` would find them.
func TestPullCredentialHelper(t *testing.T) {
	reg := newTestRegistry(t, basicAuth("alice", "s3cret"))
	reg.push(t, "private:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1"))),
		remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))

	bin, cfgDir := t.TempDir(), t.TempDir()
	asked := filepath.Join(bin, "asked")
	helper := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> " + asked + "\n" +
		"printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}' \"$server\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-nomadishtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := `{"credHelpers":{"` + reg.host + `":"nomadishtest"}}`
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DOCKER_CONFIG", cfgDir)

	if _, err := openStore(t, nil).Pull(context.Background(), reg.host+"/private:v1", nil); err != nil {
		t.Fatalf("pull with a credential helper: %v", err)
	}
	got, err := os.ReadFile(asked)
	if err != nil {
		t.Fatalf("the credential helper was never run: %v", err)
	}
	if !strings.Contains(string(got), reg.host) {
		t.Fatalf("the helper was asked for %q, want the registry %s", got, reg.host)
	}

	// A helper that has no credentials for the registry means an anonymous
	// pull, as for docker, which this registry refuses.
	notFound := "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-nomadishtest"), []byte(notFound), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = openStore(t, nil).Pull(context.Background(), reg.host+"/private:v1", nil)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want the registry's 401", err)
	}

	// A helper that fails is an error that names the registry and the
	// config entry, not an anonymous pull.
	broken := "#!/bin/sh\necho 'the keyring is locked'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-nomadishtest"), []byte(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = openStore(t, nil).Pull(context.Background(), reg.host+"/private:v1", nil)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), reg.host) || !strings.Contains(err.Error(), "credHelpers") || !strings.Contains(err.Error(), "keyring is locked") {
		t.Fatalf("err = %v, want ErrUnauthorized naming the registry, the config entry and the helper's answer", err)
	}
}
