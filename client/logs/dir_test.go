package logs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDir_ReadsOnlyInsideRoot: through a Dir, the log files are read as
// through a path, and a log file replaced by a symlink out of the
// directory is neither listed nor followed; errors name no host path.
func TestDir_ReadsOnlyInsideRoot(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "logs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, 4, "abcdefgh")
	outside := filepath.Join(base, "outside")
	if err := os.WriteFile(outside, []byte("host file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "web.stdout.5")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	d := NewDir(root)

	files, err := d.Files("web", Stdout)
	if err != nil || len(files) != 2 || files[0].Path != "web.stdout.0" || files[1].Path != "web.stdout.1" {
		t.Fatalf("Files = %+v, %v", files, err)
	}
	rc, err := d.ReadFrom("web", Stdout, 2, OriginStart)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); got != "cdefgh" {
		t.Fatalf("ReadFrom = %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fr, err := d.Follow(ctx, "web", Stdout, 3, OriginEnd, FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := fr.Read(buf)
	if err != nil || string(buf[:n]) != "fgh" {
		t.Fatalf("Follow read %q, %v", buf[:n], err)
	}
	fr.Close()

	// Opening the symlink itself through the root is refused and says
	// nothing of where the root lives.
	_, err = rootSource{root}.open("web.stdout.5")
	if err == nil || strings.Contains(err.Error(), base) {
		t.Fatalf("open symlink out of the root: %v", err)
	}
}
