//go:build linux

package logmon

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestRunInProcess runs the logmon main in this process: ready byte, copy,
// and a drained, flushed exit 0 when its context ends.
func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	out, errp := filepath.Join(dir, "out.fifo"), filepath.Join(dir, "err.fifo")
	for _, p := range []string{out, errp} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Run closes the descriptor it is given: hand it a duplicate.
	fd, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"-log-dir", dir, "-task", "web", "-stdout-fifo", out, "-stderr-fifo", errp, "-ready-fd", strconv.Itoa(fd)}, os.Stderr)
	}()
	var b [1]byte
	if _, err := r.Read(b[:]); err != nil {
		t.Fatalf("no ready byte: %v", err)
	}
	writeFifo(t, out, "to stdout\n")
	writeFifo(t, errp, "to stderr\n")
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("Run returned %d", c)
	}
	if got := readLogs(t, dir, "web", "stdout"); got != "to stdout\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := readLogs(t, dir, "web", "stderr"); got != "to stderr\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestRunRefusesNonFifo(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	if c := Run(context.Background(), []string{"-log-dir", dir, "-task", "web", "-stdout-fifo", plain, "-stderr-fifo", plain}, &stderr); c != 1 {
		t.Fatalf("Run returned %d, want 1", c)
	}
	if !strings.Contains(stderr.String(), "is not a FIFO") {
		t.Fatalf("stderr = %q", stderr.String())
	}
}
