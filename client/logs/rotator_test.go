package logs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestRotator opens a rotator for task web's stdout (unless cfg says
// otherwise) on a fake clock, so that with the default buffer only Flush,
// Close or an Advance write to disk.
func newTestRotator(t *testing.T, cfg RotatorConfig) (*Rotator, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	if cfg.Task == "" {
		cfg.Task = "web"
	}
	if cfg.Stream == "" {
		cfg.Stream = Stdout
	}
	cfg.Clock = clock
	r, err := NewRotator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, clock
}

func write(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: n=%d err=%v", s, n, err)
	}
}

func flush(t *testing.T, r *Rotator) {
	t.Helper()
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
}

// contents maps each file's index to its content.
func contents(t *testing.T, dir, task string, stream Stream) map[int]string {
	t.Helper()
	files, err := Files(dir, task, stream)
	if err != nil {
		t.Fatal(err)
	}
	m := map[int]string{}
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		m[f.Index] = string(b)
	}
	return m
}

func wantContents(t *testing.T, got map[int]string, want map[int]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("files %v, want %v", got, want)
	}
}

func TestRotator_RotatesAtExactSize(t *testing.T) {
	dir := t.TempDir()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 10, MaxFileSizeBytes: 10})

	write(t, r, "0123456789")
	flush(t, r)
	// A full file stays the newest until there is more to write.
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{0: "0123456789"})

	write(t, r, "a")
	flush(t, r)
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{0: "0123456789", 1: "a"})

	// One write spanning three files is split at the exact boundaries.
	write(t, r, "bcdefghijKLMNOPQRSTuvwxyz")
	flush(t, r)
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{
		0: "0123456789", 1: "abcdefghij", 2: "KLMNOPQRST", 3: "uvwxyz",
	})
	if _, err := os.Stat(filepath.Join(dir, "web.stdout.0")); err != nil {
		t.Fatalf("nomad-style file name: %v", err)
	}
}

func TestRotator_PrunesToMaxFiles(t *testing.T) {
	dir := t.TempDir()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 3, MaxFileSizeBytes: 4})
	write(t, r, "aaaabbbbccccddddee")
	flush(t, r)
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{2: "cccc", 3: "dddd", 4: "ee"})

	// Stderr and other tasks are left alone.
	other, _ := newTestRotator(t, RotatorConfig{Dir: dir, Stream: Stderr, MaxFiles: 1, MaxFileSizeBytes: 2})
	write(t, other, "xxyy")
	flush(t, other)
	wantContents(t, contents(t, dir, "web", Stderr), map[int]string{1: "yy"})
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{2: "cccc", 3: "dddd", 4: "ee"})
}

func TestRotator_ResumesAfterReopen(t *testing.T) {
	dir := t.TempDir()
	cfg := RotatorConfig{Dir: dir, MaxFiles: 5, MaxFileSizeBytes: 10}

	r, _ := newTestRotator(t, cfg)
	write(t, r, "hello")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	// Room left in the highest file: append to it.
	r, _ = newTestRotator(t, cfg)
	write(t, r, "world!!")
	r.Close()
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{0: "helloworld", 1: "!!"})

	// Highest file full: the next write starts the next index.
	r, _ = newTestRotator(t, cfg)
	write(t, r, "12345678")
	r.Close()
	r, _ = newTestRotator(t, cfg)
	write(t, r, "z")
	r.Close()
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{0: "helloworld", 1: "!!12345678", 2: "z"})

	// Reopening with a lower max_files prunes at once.
	cfg.MaxFiles = 1
	r, _ = newTestRotator(t, cfg)
	r.Close()
	wantContents(t, contents(t, dir, "web", Stdout), map[int]string{2: "z"})
}

func TestRotator_BuffersUntilFullTickOrClose(t *testing.T) {
	dir := t.TempDir()
	r, clock := newTestRotator(t, RotatorConfig{
		Dir: dir, MaxFiles: 2, MaxFileSizeBytes: 100, BufferSize: 8, FlushInterval: time.Second,
	})
	disk := func() string { return contents(t, dir, "web", Stdout)[0] }

	write(t, r, "abc")
	if got := disk(); got != "" {
		t.Fatalf("small write reached disk before a flush: %q", got)
	}
	clock.Advance(time.Second)
	eventually(t, "tick flush", func() bool { return disk() == "abc" })

	write(t, r, "defgh") // buffered: 5 of 8
	write(t, r, "ijkl")  // does not fit: the buffered bytes go first
	if got := disk(); got != "abcdefgh" {
		t.Fatalf("after overflow: %q", got)
	}
	write(t, r, "MNOPQRSTUV") // at least a buffer's worth: written through
	if got := disk(); got != "abcdefghijklMNOPQRSTUV" {
		t.Fatalf("after large write: %q", got)
	}
	write(t, r, "w")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := disk(); got != "abcdefghijklMNOPQRSTUVw" {
		t.Fatalf("after close: %q", got)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if clock.live() != 0 {
		t.Fatal("flush ticker not stopped by Close")
	}
}

func TestRotator_ConcurrentWritesStayWhole(t *testing.T) {
	dir := t.TempDir()
	r, clock := newTestRotator(t, RotatorConfig{
		Dir: dir, MaxFiles: 10000, MaxFileSizeBytes: 100, BufferSize: 64, FlushInterval: time.Millisecond,
	})
	const writers, lines = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				if _, err := fmt.Fprintf(r, "g%d-%04d\n", g, i); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					clock.Advance(time.Millisecond) // flush loop races the writers
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rc, err := ReadFrom(dir, "web", Stdout, 0, OriginStart)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	sort.Strings(got)
	var want []string
	for g := range writers {
		for i := range lines {
			want = append(want, fmt.Sprintf("g%d-%04d", g, i))
		}
	}
	sort.Strings(want)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestRotator_RefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  RotatorConfig
		is   error
	}{
		{"parent task", RotatorConfig{Dir: dir, Task: "../escape", Stream: Stdout}, ErrInvalidTask},
		{"nested task", RotatorConfig{Dir: dir, Task: "a/b", Stream: Stdout}, ErrInvalidTask},
		{"dotdot task", RotatorConfig{Dir: dir, Task: "..", Stream: Stdout}, ErrInvalidTask},
		{"stream", RotatorConfig{Dir: dir, Task: "web", Stream: "../x"}, ErrInvalidStream},
		{"no dir", RotatorConfig{Task: "web", Stream: Stdout}, nil},
		{"negative size", RotatorConfig{Dir: dir, Task: "web", Stream: Stdout, MaxFileSizeBytes: -1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRotator(tc.cfg)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err %v, want %v", err, tc.is)
			}
		})
	}
	parent := filepath.Dir(dir)
	if _, err := os.Stat(filepath.Join(parent, "escape.stdout.0")); err == nil {
		t.Fatal("file written outside the log dir")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused configs left files: %v", entries)
	}
}

func TestRotator_RefusesSymlinkedFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlink refusal relies on O_NOFOLLOW")
	}
	dir, outside := t.TempDir(), t.TempDir()
	target := filepath.Join(outside, "secret")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A task plants the current file as a symlink.
	if err := os.Symlink(target, filepath.Join(dir, "web.stdout.0")); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRotator(RotatorConfig{Dir: dir, Task: "web", Stream: Stdout, Clock: newFakeClock()}); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err %v, want ErrNotRegular", err)
	}

	// A task plants the next file: the rotation is refused, not followed.
	os.Remove(filepath.Join(dir, "web.stdout.0"))
	if err := os.Symlink(target, filepath.Join(dir, "web.stdout.1")); err != nil {
		t.Fatal(err)
	}
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFileSizeBytes: 2})
	write(t, r, "ab")
	flush(t, r)
	write(t, r, "cd")
	if err := r.Flush(); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("flush into planted symlink: %v, want ErrNotRegular", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("symlink target written: %q", b)
	}

	// Readers skip it too.
	rc, err := ReadFrom(dir, "web", Stdout, 0, OriginStart)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "ab" {
		t.Fatalf("read %q, want only the regular file", b)
	}
}
