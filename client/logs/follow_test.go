package logs

import (
	"context"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"
)

const poll = time.Second

// readN reads exactly n bytes, failing if they do not come within a bounded
// wait; the wait only guards against a hang, the data arrives on ticks.
func readN(t *testing.T, r io.Reader, n int) string {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		ch <- result{b, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			t.Fatalf("read %d bytes: %v", n, res.err)
		}
		return string(res.b)
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out reading %d bytes", n)
		return ""
	}
}

// readAsync starts a read of n bytes that the test collects later.
func readAsync(r io.Reader, n int) <-chan string {
	ch := make(chan string, 1)
	go func() {
		b := make([]byte, n)
		k, _ := io.ReadFull(r, b)
		ch <- string(b[:k])
	}()
	return ch
}

func receive(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("timed out")
		return ""
	}
}

func TestFollow_PicksUpWritesAndRotation(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	// The follower starts before the task has written anything.
	rc, err := Follow(context.Background(), dir, "web", Stdout, 0, OriginStart, FollowOptions{Clock: clock, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 10, MaxFileSizeBytes: 5})

	pending := readAsync(rc, 3)
	write(t, r, "abc")
	flush(t, r)
	clock.Advance(poll)
	if got := receive(t, pending); got != "abc" {
		t.Fatalf("first read %q", got)
	}

	// Blocked at the end of web.stdout.0 while the writer fills it and
	// rotates to web.stdout.1 and .2.
	pending = readAsync(rc, 9)
	write(t, r, "defghijkl")
	flush(t, r)
	clock.Advance(poll)
	if got := receive(t, pending); got != "defghijkl" {
		t.Fatalf("across rotation %q", got)
	}
	if files, _ := Files(dir, "web", Stdout); len(files) != 3 {
		t.Fatalf("expected 3 files, got %v", files)
	}

	// The writer restarts (agent restart) and appends to the same file.
	r.Close()
	r, _ = newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 10, MaxFileSizeBytes: 5})
	write(t, r, "mn")
	flush(t, r)
	clock.Advance(poll)
	if got := readN(t, rc, 2); got != "mn" {
		t.Fatalf("after writer restart %q", got)
	}
}

func TestFollow_FromEnd(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 10, MaxFileSizeBytes: 4})
	write(t, r, "0123456789")
	flush(t, r)

	rc, err := Follow(context.Background(), dir, "web", Stdout, 3, OriginEnd, FollowOptions{Clock: clock, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got := readN(t, rc, 3); got != "789" {
		t.Fatalf("tail %q", got)
	}
	write(t, r, "ab")
	flush(t, r)
	clock.Advance(poll)
	if got := readN(t, rc, 2); got != "ab" {
		t.Fatalf("new bytes %q", got)
	}
}

func TestFollow_EndsWithContextOrClose(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := Follow(ctx, dir, "web", Stderr, 0, OriginStart, FollowOptions{Clock: clock, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := rc.Read(make([]byte, 1))
		done <- err
	}()
	clock.Advance(poll) // an empty poll keeps it waiting
	cancel()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("read after cancel: %v, want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read not ended by ctx")
	}
	rc.Close()
	if clock.live() != 0 {
		t.Fatal("poll ticker not stopped by Close")
	}

	rc, err = Follow(context.Background(), dir, "web", Stderr, 0, OriginStart, FollowOptions{Clock: clock, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := rc.Read(make([]byte, 1))
		done <- err
	}()
	rc.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("read after close: %v, want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read not ended by Close")
	}
}

func TestFollow_SkipsFilesPrunedWhileBehind(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an open file cannot be deleted on windows")
	}
	dir := t.TempDir()
	clock := newFakeClock()
	r, _ := newTestRotator(t, RotatorConfig{Dir: dir, MaxFiles: 2, MaxFileSizeBytes: 3})
	write(t, r, "aaa")
	flush(t, r)
	rc, err := Follow(context.Background(), dir, "web", Stdout, 0, OriginStart, FollowOptions{Clock: clock, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got := readN(t, rc, 1); got != "a" { // web.stdout.0 is open now
		t.Fatalf("%q", got)
	}
	write(t, r, "bbbcccddd") // .0 and .1 pruned; .2 and .3 kept
	flush(t, r)
	// The open file is read to its end, then the reader jumps to .2.
	if got := readN(t, rc, 8); got != "aacccddd" {
		t.Fatalf("%q", got)
	}
}

func TestFollow_RefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := Follow(context.Background(), dir, "a/b", Stdout, 0, OriginStart, FollowOptions{}); !errors.Is(err, ErrInvalidTask) {
		t.Errorf("escaping task: %v", err)
	}
	if _, err := Follow(context.Background(), dir, "web", Stdout, 0, "", FollowOptions{}); !errors.Is(err, ErrInvalidOffset) {
		t.Errorf("empty origin: %v", err)
	}
}
