package taskimage

import (
	"archive/tar"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestImage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "taskbin")
	if err := BuildBinary(bin); err != nil {
		t.Fatal(err)
	}
	img, err := Image(bin)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/bin/taskbin" || cf.OS != "linux" {
		t.Fatalf("config: entrypoint %v, os %q", cf.Config.Entrypoint, cf.OS)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "bin/ bin/cat bin/taskbin etc/ etc/group etc/passwd tmp/" {
		t.Fatalf("layer holds %s", got)
	}
}
