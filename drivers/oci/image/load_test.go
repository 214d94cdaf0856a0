package image

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func writeLayout(t *testing.T) (string, v1.Image, v1.Image) {
	t.Helper()
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	one := imageOf(t, "linux/amd64", layerOf(t, file("which", "one")))
	two := imageOf(t, "linux/amd64", layerOf(t, file("which", "two")))
	if err := lp.AppendImage(one, layout.WithAnnotations(map[string]string{refNameAnnotation: "v1"})); err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(two, layout.WithAnnotations(map[string]string{refNameAnnotation: "v2"})); err != nil {
		t.Fatal(err)
	}
	return dir, one, two
}

func TestLoadLayout(t *testing.T) {
	dir, _, two := writeLayout(t)
	s := openStore(t, nil)
	ctx := context.Background()
	img, err := s.LoadLayout(ctx, dir, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(img.RootFS, "which")); got != "one" {
		t.Fatalf("by name: got image %q", got)
	}
	if img, err := s.LoadLayout(ctx, dir, "registry.example:5000/app:v1"); err != nil || readFile(t, filepath.Join(img.RootFS, "which")) != "one" {
		t.Fatalf("by full reference: %v", err)
	}
	d, _ := two.Digest()
	img, err = s.LoadLayout(ctx, dir, d.String())
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(img.RootFS, "which")); got != "two" || img.ID != d.String() {
		t.Fatalf("by digest: got image %q, id %s", got, img.ID)
	}
	if _, err := s.LoadLayout(ctx, dir, "v3"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "v1, v2") {
		t.Fatalf("unknown name: err = %v, want ErrNotFound listing v1, v2", err)
	}
	if _, err := s.LoadLayout(ctx, dir, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no name with two images: err = %v", err)
	}
	if _, err := s.LoadLayout(ctx, t.TempDir(), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty dir: err = %v, want ErrInvalid", err)
	}
}

func TestLoadLayoutCorruptBlob(t *testing.T) {
	dir, one, _ := writeLayout(t)
	layers, _ := one.Layers()
	d, _ := layers[0].Digest()
	if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Hex), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openStore(t, nil).LoadLayout(context.Background(), dir, "v1")
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("err = %v, want ErrDigestMismatch", err)
	}
}

func TestLoadDockerTarball(t *testing.T) {
	img := imageOf(t, "linux/amd64", layerOf(t, dir("bin/"), file("bin/app", "from tar")))
	tag, _ := name.NewTag("app:v1")
	path := filepath.Join(t.TempDir(), "app.tar")
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	got, err := openStore(t, nil).LoadTarball(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := img.ConfigName()
	if got.ID != cd.String() || got.Digest != "" {
		t.Fatalf("id %s digest %q, want the config digest %s and no manifest digest", got.ID, got.Digest, cd)
	}
	if b := readFile(t, filepath.Join(got.RootFS, "bin/app")); b != "from tar" {
		t.Fatalf("bin/app = %q", b)
	}
	if got.Config.WorkingDir != "/srv" {
		t.Fatalf("config = %+v", got.Config)
	}
}

func TestLoadOCIArchive(t *testing.T) {
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img := imageOf(t, "linux/amd64", layerOf(t, file("which", "archived")))
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "app.oci.tar")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	// A stray entry climbing out is ignored, never written.
	tw.WriteHeader(&tar.Header{Name: "../stray", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, _ := d.Info()
		if err := tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Size: fi.Size(), Mode: 0o644}); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s := openStore(t, nil)
	got, err := s.LoadTarball(context.Background(), archive)
	if err != nil {
		t.Fatal(err)
	}
	if b := readFile(t, filepath.Join(got.RootFS, "which")); b != "archived" {
		t.Fatalf("which = %q", b)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "stray")); !os.IsNotExist(err) {
		t.Fatalf("stray entry written: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.tar")
	os.WriteFile(bad, tarBytes(t, file("hello", "x")), 0o644)
	if _, err := s.LoadTarball(context.Background(), bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("not an image archive: err = %v, want ErrInvalid", err)
	}
}
