package image

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGCOnTheClock(t *testing.T) {
	reg := newTestRegistry(t, nil)
	shared := layerOf(t, file("base", "shared"))
	reg.push(t, "img-a:v1", imageOf(t, "linux/amd64", shared, layerOf(t, file("a", "1"))))
	reg.push(t, "img-b:v1", imageOf(t, "linux/amd64", shared, layerOf(t, file("b", "1"))))
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	s := openStore(t, func(c *Config) { c.Now = clock.Now; c.GCDelay = time.Hour })
	ctx := context.Background()
	a, err := s.Pull(ctx, reg.host+"/img-a:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Pull(ctx, reg.host+"/img-b:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(a.ID); err != nil {
		t.Fatal(err)
	}
	blobCount := func() int {
		ents, _ := os.ReadDir(filepath.Join(s.cfg.Dir, "blobs", "sha256"))
		return len(ents)
	}
	if n := blobCount(); n != 7 { // 2 manifests, 2 configs, 3 layers
		t.Fatalf("%d blobs, want 7", n)
	}

	clock.Advance(59 * time.Minute)
	if removed, err := s.GC(); err != nil || len(removed) != 0 {
		t.Fatalf("before the delay: removed %v, %v", removed, err)
	}
	clock.Advance(time.Minute)
	removed, err := s.GC()
	if err != nil || len(removed) != 1 || removed[0] != b.ID {
		t.Fatalf("removed %v, %v; want only %s", removed, err, b.ID)
	}
	if _, err := os.Stat(b.RootFS); !os.IsNotExist(err) {
		t.Fatalf("b's root still there: %v", err)
	}
	if n := blobCount(); n != 4 { // a's manifest, config and two layers, the shared one kept
		t.Fatalf("%d blobs after removing b, want 4", n)
	}
	if _, err := s.Acquire(b.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("acquire removed image: err = %v", err)
	}

	// Held for hours: kept. Released: the delay runs from the release.
	clock.Advance(5 * time.Hour)
	if removed, _ := s.GC(); len(removed) != 0 {
		t.Fatalf("held image removed: %v", removed)
	}
	s.Release(a.ID)
	clock.Advance(30 * time.Minute)
	if removed, _ := s.GC(); len(removed) != 0 {
		t.Fatalf("removed 30m after release: %v", removed)
	}
	clock.Advance(30 * time.Minute)
	if removed, _ := s.GC(); len(removed) != 1 || removed[0] != a.ID {
		t.Fatalf("removed %v, want %s", removed, a.ID)
	}
	if n := blobCount(); n != 0 {
		t.Fatalf("%d blobs left, want none", n)
	}
	if _, err := os.Stat(a.RootFS); !os.IsNotExist(err) {
		t.Fatalf("a's root still there: %v", err)
	}
}

func TestOpenDropsHalfDoneWork(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.push(t, "img-a:v1", imageOf(t, "linux/amd64", layerOf(t, file("a", "1"))))
	s := openStore(t, nil)
	img, err := s.Pull(context.Background(), reg.host+"/img-a:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	// What a plugin killed mid-unpack leaves: a temp unpack, and an images
	// entry without its record.
	half := filepath.Join(s.cfg.Dir, "tmp", "unpack-123", "rootfs")
	os.MkdirAll(half, 0o755)
	stale := filepath.Join(s.cfg.Dir, "images", "0000000000000000000000000000000000000000000000000000000000000000")
	os.MkdirAll(filepath.Join(stale, "rootfs"), 0o755)

	s2, err := Open(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(half); !os.IsNotExist(err) {
		t.Fatalf("half-unpacked root kept: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("image without record kept: %v", err)
	}
	if got, err := s2.Get(img.ID); err != nil || got.RootFS != img.RootFS {
		t.Fatalf("complete image lost: %v", err)
	}
}
