package oci

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

func TestRuntimeResize(t *testing.T) {
	if runtimeResize(nil, make(chan struct{})) != nil {
		t.Fatal("a nil Resize became a channel")
	}
	timeout := time.NewTimer(bound)
	defer timeout.Stop()
	recv := func(ch <-chan ociruntime.TermSize) (ociruntime.TermSize, bool) {
		t.Helper()
		select {
		case sz, ok := <-ch:
			return sz, ok
		case <-timeout.C:
			t.Fatal("timed out waiting on the runtime's resize channel")
			return ociruntime.TermSize{}, false
		}
	}

	in := make(chan plugin.TerminalSize, 2)
	out := runtimeResize(in, make(chan struct{}))
	in <- plugin.TerminalSize{Height: 24, Width: 80}
	in <- plugin.TerminalSize{Height: 65535, Width: 1}
	for _, want := range []ociruntime.TermSize{{Height: 24, Width: 80}, {Height: 65535, Width: 1}} {
		if got, ok := recv(out); !ok || got != want {
			t.Fatalf("runtime got %+v (open %v), want %+v", got, ok, want)
		}
	}
	close(in)
	if sz, ok := recv(out); ok {
		t.Fatalf("runtime channel still open after the protocol's closed (got %+v)", sz)
	}

	// The exec ending closes it too, with the protocol's channel open.
	done := make(chan struct{})
	out = runtimeResize(make(chan plugin.TerminalSize), done)
	close(done)
	if sz, ok := recv(out); ok {
		t.Fatalf("runtime channel still open after the exec ended (got %+v)", sz)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestExecTTYResize: a size sent on ExecStdio.Resize reaches the exec's
// terminal, as the command inside the container sees it.
func TestExecTTYResize(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	cfg := newTaskConfig(t, "tty")
	taskbin(t, cfg, nil, "wait")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}

	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	resize := make(chan plugin.TerminalSize, 1)
	resize <- plugin.TerminalSize{Height: 50, Width: 132}
	var out syncBuffer
	type result struct {
		res *plugin.ExitResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := d.ExecTask(testCtx(t), cfg.ID, []string{"/bin/taskbin", "ttysize"},
			plugin.ExecStdio{Stdin: stdinR, Stdout: &out, Stderr: &out, TTY: true, Resize: resize})
		done <- result{res, err}
	}()

	// The resize is applied by the runtime's own goroutine: ask the
	// command for its size, a line at a time, until it shows, bounded.
	ask := time.NewTicker(20 * time.Millisecond)
	defer ask.Stop()
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	for !strings.Contains(out.String(), "size 50x132") {
		select {
		case <-ask.C:
			if _, err := stdinW.Write([]byte("\n")); err != nil {
				t.Fatalf("write to the exec's stdin: %v (output %q)", err, out.String())
			}
		case r := <-done:
			t.Fatalf("exec ended early: %+v, %v; output %q", r.res, r.err, out.String())
		case <-deadline.C:
			o := out.String()
			t.Fatalf("the command never saw 50x132; last output %q", o[max(0, len(o)-100):])
		}
	}
	// A closed stdin is no EOF on a terminal; ^D at a line's start is.
	if _, err := stdinW.Write([]byte{0x04}); err != nil {
		t.Fatalf("write ^D to the exec's stdin: %v", err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.res.ExitCode != 0 {
			t.Fatalf("exec = %+v, %v; want exit 0 (output %q)", r.res, r.err, out.String())
		}
	case <-deadline.C:
		t.Fatalf("the exec did not end after its stdin closed; output %q", out.String())
	}
}
