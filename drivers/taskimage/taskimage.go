// Package taskimage builds, for the tests of the container drivers and the
// end-to-end scenarios, an OCI image of the taskbin test program
// (drivers/oci/testdata/taskbin): a static binary that behaves as the driver
// conformance suite's tasks do. Nothing is downloaded. It is test support:
// the agent never imports it.
package taskimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// source is taskbin's directory relative to the module's root.
const source = "drivers/oci/testdata/taskbin"

// BuildBinary builds taskbin as a static binary at out. The program uses
// the standard library only, so the build never reaches the module proxy.
func BuildBinary(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, "./"+source)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOPROXY=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", source, err, b)
	}
	return nil
}

// Image is an image of one layer holding the binary bin at /bin/taskbin
// and /bin/cat (taskbin copies stdin to stdout when run as cat), an
// /etc/passwd and /etc/group with root and nobody, and /tmp; its
// entrypoint is /bin/taskbin and its environment PATH=/bin FROM_IMAGE=yes.
func Image(bin string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"etc/", 0o755}, {"tmp/", 0o1777}} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d.name, Mode: d.mode}); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{
		{"bin/taskbin", data, 0o755},
		{"bin/cat", data, 0o755},
		{"etc/passwd", []byte("root:x:0:0:root:/:/bin/taskbin\nnobody:x:65534:65534:nobody:/:/bin/taskbin\n"), 0o644},
		{"etc/group", []byte("root:x:0:\nnogroup:x:65534:\n"), 0o644},
	} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Entrypoint = []string{"/bin/taskbin"}
	cf.Config.Env = []string{"PATH=/bin", "FROM_IMAGE=yes"}
	return mutate.ConfigFile(img, cf)
}
