package docker

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/taskimage"
)

// A pull from a registry (in process, on loopback, which the engine
// reaches over plain HTTP): two tasks of the same new image start at once,
// the image is pulled once, the pull is reported as task events, and both
// tasks run it.
func TestPullFromRegistry(t *testing.T) {
	needEngine(t)
	bin := filepath.Join(t.TempDir(), "taskbin")
	if err := taskimage.BuildBinary(bin); err != nil {
		t.Fatal(err)
	}
	img, err := taskimage.Image(bin)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu           sync.Mutex // guards the three below, shared with the registry's handler
		manifestGets int
		watched      *Driver // the driver whose pulls are counted, once set
		ref          string
	)
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(countingHandler(reg, func(method, path string) {
		// Every pull asks for the manifest by tag once (HEAD, then GET
		// by digest when the engine lacks it).
		mu.Lock()
		d, ref := watched, ref
		if method != "HEAD" || !strings.Contains(path, "/manifests/") || d == nil {
			mu.Unlock()
			return
		}
		manifestGets++
		mu.Unlock()
		// Hold the pull until the second task waits on it, so the two
		// overlap whatever the scheduling.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			d.images.mu.Lock()
			p := d.images.pulling[ref]
			joined := p != nil && p.waiters > 0
			d.images.mu.Unlock()
			if joined {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}))
	defer srv.Close()
	ref = strings.TrimPrefix(srv.URL, "http://") + "/fresh/taskbin:1" // no pull counted yet: watched is nil
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.WithHost(DefaultEndpoint))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer c.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true})

	d := newDriver(t, nil)
	mu.Lock()
	watched = d
	mu.Unlock()
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []*plugin.TaskConfig
	for _, n := range []string{"a", "b"} {
		cfg := taskConfigIn(t, t.TempDir(), "pull/"+n, "pull-"+n)
		taskbin(t, cfg, map[string]any{"image": ref}, "stdout", "hello")
		cfgs = append(cfgs, cfg)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(cfgs))
	for i, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.StartTask(testCtx(t), cfg)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("StartTask %s: %v", cfgs[i].ID, err)
		}
	}
	for _, cfg := range cfgs {
		if r, err := d.WaitTask(testCtx(t), cfg.ID); err != nil || !r.Successful() {
			t.Fatalf("task %s: %+v, %v", cfg.ID, r, err)
		}
		_ = d.DestroyTask(testCtx(t), cfg.ID, true)
	}
	mu.Lock()
	gets := manifestGets
	mu.Unlock()
	if gets != 1 {
		t.Fatalf("the registry was asked for the manifest %d times; want one pull, not one per task", gets)
	}
	var msgs []string
	timeout := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-events:
			msgs = append(msgs, ev.Message)
			done = strings.HasSuffix(ev.Message, " pulled")
		case <-timeout:
			done = true
		}
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "Downloading image "+ref) || !strings.Contains(all, "Image "+ref+" pulled") {
		t.Fatalf("pull events:\n%s\nwant the download and its end reported", all)
	}
}

// countingHandler calls seen for every request before h answers it.
func countingHandler(h http.Handler, seen func(method, path string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen(r.Method, r.URL.Path)
		h.ServeHTTP(w, r)
	})
}
