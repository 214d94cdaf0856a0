package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// logStreamer copies a container's stdout and stderr from the engine's
// logs API (followed, demultiplexed) into the task's log files, which on a
// real client are FIFOs read by the log collector. It asks for timestamps,
// strips them, and keeps the newest one in a small file beside the logs
// (written after every message), so that a stream the engine dropped is
// followed again from where it broke (the engine's `since`), and a
// streamer started again by RecoverTask resumes where the last one
// stopped, neither copying a line twice nor losing one.
//
// It follows the stream again, with a back-off, for as long as the
// container runs; it ends once the container has stopped and a stream
// opened after the stop has been read to its end, when the container is
// gone, when stop is called, or after logRetries failures in a row.
type logStreamer struct {
	c      *client.Client
	id     string
	cfg    *plugin.TaskConfig
	logger interface {
		Warn(msg string, args ...interface{})
	}
	ctx    context.Context // ended by stop
	cancel context.CancelFunc

	done chan struct{} // closed when the stream has ended

	mu       sync.Mutex // guards the fields below
	last     time.Time  // newest timestamp copied
	pos      *os.File   // the since file, open while streaming
	attaches int        // streams opened, for tests
}

// Bounds of the log streamer's retries: the back-off doubles from
// logBackoffMin to logBackoffMax, and logRetries failures in a row (an
// engine away for minutes) end the streamer.
const (
	logBackoffMin = 50 * time.Millisecond
	logBackoffMax = 5 * time.Second
	logRetries    = 60
)

// sinceFile is where a task's log position is kept.
func sinceFile(cfg *plugin.TaskConfig) string {
	dir := cfg.TaskDir.LogDir
	if dir == "" {
		dir = filepath.Dir(cfg.StdoutPath)
	}
	return filepath.Join(dir, "."+nameChars.ReplaceAllString(cfg.Name, "_")+".docker-logs-since")
}

// sinceLayout is RFC 3339 with all nine digits of the fraction, in UTC:
// every position has the same length, so each overwrites the last in place.
const sinceLayout = "2006-01-02T15:04:05.000000000Z"

// readSince returns the log position a previous streamer left, or zero.
func readSince(cfg *plugin.TaskConfig) time.Time {
	b, err := os.ReadFile(sinceFile(cfg))
	if err != nil || len(b) > 64 {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}
	}
	return t
}

// startLogs starts copying the container's output from since (zero is
// from the beginning).
func startLogs(c *client.Client, id string, cfg *plugin.TaskConfig, since time.Time, logger interface {
	Warn(msg string, args ...interface{})
}) *logStreamer {
	ctx, cancel := context.WithCancel(context.Background())
	s := &logStreamer{c: c, id: id, cfg: cfg, logger: logger, ctx: ctx, cancel: cancel, done: make(chan struct{}), last: since}
	go s.run()
	return s
}

// stop ends the streamer without waiting for the rest of the output.
func (s *logStreamer) stop() { s.cancel() }

func (s *logStreamer) run() {
	defer close(s.done)
	defer s.closePos()
	stdout, err := openLog(s.cfg.StdoutPath)
	if err != nil {
		s.logger.Warn("cannot open the task's stdout log", "path", s.cfg.StdoutPath, "error", err)
		return
	}
	defer stdout.Close()
	stderr, err := openLog(s.cfg.StderrPath)
	if err != nil {
		s.logger.Warn("cannot open the task's stderr log", "path", s.cfg.StderrPath, "error", err)
		return
	}
	defer stderr.Close()
	if f, err := os.OpenFile(sinceFile(s.cfg), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		_ = f.Truncate(0)
		s.mu.Lock()
		s.pos = f
		s.savePosLocked()
		s.mu.Unlock()
	}
	backoff, failures := logBackoffMin, 0
	for s.ctx.Err() == nil {
		running, gone, err := s.containerRunning()
		if gone {
			return
		}
		if err == nil {
			var copied bool
			copied, err = s.follow(stdout, stderr)
			if err == nil && !running {
				return // opened after the stop: all of the output is copied
			}
			if err == nil && !copied {
				// Ended at once with nothing new while the container
				// runs: wait a little before asking again.
				err = errors.New("the engine ended the log stream at once")
			}
			if copied {
				backoff, failures = logBackoffMin, 0
			}
		}
		if err == nil {
			continue // the stream ended, maybe because the container stopped
		}
		if s.ctx.Err() != nil {
			return
		}
		if failures++; failures > logRetries {
			s.logger.Warn("giving up following the container's logs", "container_id", s.id, "error", err)
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if backoff *= 2; backoff > logBackoffMax {
			backoff = logBackoffMax
		}
	}
}

// containerRunning asks the engine whether the container still runs;
// gone is set when the engine no longer has it.
func (s *logStreamer) containerRunning() (running, gone bool, err error) {
	ins, err := s.c.ContainerInspect(s.ctx, s.id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false, true, nil
	}
	if err != nil {
		return false, false, err
	}
	st := ins.Container.State
	return st != nil && (st.Running || st.Restarting || st.Paused), false, nil
}

// follow copies one stream of the container's logs, from just after the
// newest line copied, until the engine ends it. copied says whether a
// line came through.
func (s *logStreamer) follow(stdout, stderr io.Writer) (copied bool, err error) {
	s.mu.Lock()
	since := s.last
	s.attaches++
	s.mu.Unlock()
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true}
	if !since.IsZero() {
		// The engine's since is inclusive; one nanosecond later skips the
		// line already copied.
		next := since.Add(time.Nanosecond)
		opts.Since = fmt.Sprintf("%d.%09d", next.Unix(), next.Nanosecond())
	}
	rc, err := s.c.ContainerLogs(s.ctx, s.id, opts)
	if err != nil {
		return false, fmt.Errorf("follow the logs of container %s: %w", shortID(s.id), err)
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(&stampWriter{s: s, w: stdout}, &stampWriter{s: s, w: stderr}, rc)
	s.mu.Lock()
	copied = s.last.After(since)
	s.mu.Unlock()
	if err != nil && !errors.Is(err, io.EOF) {
		return copied, fmt.Errorf("the log stream of container %s broke: %w", shortID(s.id), err)
	}
	return copied, nil
}

// streams is how many log streams the streamer has opened.
func (s *logStreamer) streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attaches
}

// openLog opens a log file or FIFO for appending. A FIFO's open waits for
// the collector to read it.
func openLog(path string) (*os.File, error) {
	if path == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// savePosLocked writes the newest timestamp copied into the since file,
// in place; s.mu is held. A message is written to the log before its
// position, so a plugin killed between the two copies one line again on
// recovery, never loses one.
func (s *logStreamer) savePosLocked() {
	if s.pos == nil || s.last.IsZero() {
		return
	}
	_, _ = s.pos.WriteAt([]byte(s.last.UTC().Format(sinceLayout)), 0)
}

func (s *logStreamer) closePos() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pos != nil {
		s.savePosLocked()
		_ = s.pos.Truncate(int64(len(sinceLayout)))
		_ = s.pos.Close()
		s.pos = nil
	}
}

// stampWriter strips the timestamp the engine puts before each message
// (StdCopy writes one frame, one message, per call), writes the message
// and then records its timestamp as the position.
type stampWriter struct {
	s *logStreamer
	w io.Writer
}

func (w *stampWriter) Write(p []byte) (int, error) {
	n := len(p)
	var stamp time.Time
	if i := bytes.IndexByte(p, ' '); i > 0 && i < 40 {
		if t, err := time.Parse(time.RFC3339Nano, string(p[:i])); err == nil {
			stamp = t
			p = p[i+1:]
		}
	}
	if _, err := w.w.Write(p); err != nil {
		return 0, err
	}
	if !stamp.IsZero() {
		w.s.mu.Lock()
		if stamp.After(w.s.last) {
			w.s.last = stamp
			w.s.savePosLocked()
		}
		w.s.mu.Unlock()
	}
	return n, nil
}

// wait waits for the stream to end, at most d.
func (s *logStreamer) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
	}
}
