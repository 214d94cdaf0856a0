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

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// logStreamer copies a container's stdout and stderr from the engine's
// logs API (followed, demultiplexed) into the task's log files, which on a
// real client are FIFOs read by the log collector. It asks for timestamps,
// strips them, and keeps the newest one in a small file beside the logs,
// so that a streamer started again by RecoverTask resumes where the last
// one stopped (the engine's `since`) instead of copying everything again.
type logStreamer struct {
	c      *client.Client
	id     string
	cfg    *plugin.TaskConfig
	logger interface {
		Warn(msg string, args ...interface{})
	}

	done chan struct{} // closed when the stream has ended

	mu   sync.Mutex // guards last
	last time.Time  // newest timestamp copied
}

// sinceFile is where a task's log position is kept.
func sinceFile(cfg *plugin.TaskConfig) string {
	dir := cfg.TaskDir.LogDir
	if dir == "" {
		dir = filepath.Dir(cfg.StdoutPath)
	}
	return filepath.Join(dir, "."+nameChars.ReplaceAllString(cfg.Name, "_")+".docker-logs-since")
}

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
	s := &logStreamer{c: c, id: id, cfg: cfg, logger: logger, done: make(chan struct{}), last: since}
	go s.run(since)
	return s
}

func (s *logStreamer) run(since time.Time) {
	defer close(s.done)
	defer s.saveSince()
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
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true}
	if !since.IsZero() {
		// The engine's since is inclusive to the second's fraction given;
		// one nanosecond later skips the line already copied.
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()+1)
	}
	rc, err := s.c.ContainerLogs(context.Background(), s.id, opts)
	if err != nil {
		s.logger.Warn("cannot follow the container's logs", "container_id", s.id, "error", err)
		return
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(&stampWriter{s: s, w: stdout}, &stampWriter{s: s, w: stderr}, rc); err != nil && !errors.Is(err, io.EOF) {
		s.logger.Warn("container log stream ended", "container_id", s.id, "error", err)
	}
}

// openLog opens a log file or FIFO for appending. A FIFO's open waits for
// the collector to read it.
func openLog(path string) (*os.File, error) {
	if path == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// saveSince writes the newest timestamp copied beside the logs.
func (s *logStreamer) saveSince() {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last.IsZero() {
		return
	}
	_ = os.WriteFile(sinceFile(s.cfg), []byte(last.Format(time.RFC3339Nano)), 0o600)
}

// stampWriter strips the timestamp the engine puts before each message
// (StdCopy writes one frame, one message, per call) and records it.
type stampWriter struct {
	s       *logStreamer
	w       io.Writer
	pending int // messages since the position was last saved
}

func (w *stampWriter) Write(p []byte) (int, error) {
	n := len(p)
	if i := bytes.IndexByte(p, ' '); i > 0 && i < 40 {
		if t, err := time.Parse(time.RFC3339Nano, string(p[:i])); err == nil {
			w.s.mu.Lock()
			if t.After(w.s.last) {
				w.s.last = t
			}
			w.s.mu.Unlock()
			p = p[i+1:]
			if w.pending++; w.pending >= 100 {
				w.pending = 0
				w.s.saveSince()
			}
		}
	}
	if _, err := w.w.Write(p); err != nil {
		return 0, err
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
