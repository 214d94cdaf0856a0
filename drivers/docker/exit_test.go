package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// A container that goes over its memory limit is killed by the kernel: the
// engine reports OOMKilled, and the exit is 137, signal 9 (above 128, the
// signal is the code less 128).
func TestOOMKilledExit(t *testing.T) {
	needEngine(t)
	d := newDriver(t, nil)
	cfg := taskConfigIn(t, t.TempDir(), "oom", "oom")
	cfg.Resources.MemoryMB = 16
	taskbin(t, cfg, map[string]any{"memory_hard_limit": 16}, "alloc", "256")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	t.Cleanup(func() { _ = d.DestroyTask(context.Background(), cfg.ID, true) })
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OOMKilled || r.ExitCode != 137 || r.Signal != 9 {
		t.Fatalf("exit = %+v; want OOMKilled, code 137, signal 9", r)
	}
}

// The image cache removes an image from the engine once no task has used
// it for image_delay, and not before.
func TestImageGCRemovesFromEngine(t *testing.T) {
	needEngine(t)
	var mu sync.Mutex
	now := time.Now()
	d := New(Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	b, _ := json.Marshal(map[string]any{"gc": map[string]any{"image_delay": "3m", "container": false}})
	if err := d.SetConfig(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	_, c, _ := d.configured()
	// An image of its own (a commit of a container of the test image), so
	// that removing it leaves the test image alone.
	tag := fmt.Sprintf("nomadish-test/gc:%d", time.Now().UnixNano())
	src := mkContainer(t, c, "", map[string]string{})
	com, err := c.ContainerCommit(testCtx(t), src, client.ContainerCommitOptions{Reference: tag})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.ImageRemove(context.Background(), com.ID, client.ImageRemoveOptions{Force: true}) })

	cfg := taskConfigIn(t, t.TempDir(), "image-gc", "image-gc")
	cfg.DriverConfig = []byte(fmt.Sprintf(`{"image":%q,"args":["exit","0"]}`, tag))
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	if r, err := d.WaitTask(testCtx(t), cfg.ID); err != nil || !r.Successful() {
		t.Fatalf("wait = %+v, %v", r, err)
	}
	if err := d.DestroyTask(testCtx(t), cfg.ID, true); err != nil {
		t.Fatal(err)
	}
	d.collect(testCtx(t))
	if _, err := c.ImageInspect(testCtx(t), com.ID); err != nil {
		t.Fatalf("the image is gone before image_delay: %v", err)
	}
	mu.Lock()
	now = now.Add(3 * time.Minute)
	mu.Unlock()
	d.collect(testCtx(t))
	if _, err := c.ImageInspect(testCtx(t), com.ID); !cerrdefs.IsNotFound(err) {
		t.Fatalf("inspect after image_delay: %v; want the image removed from the engine", err)
	}
}
