package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/nomadish/nomadish/client/logs"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// StreamFrame is one frame of a log stream, as Nomad sends them: Data
// (base64 in JSON) is the next bytes of the stream, Offset the stream
// offset just after them, counted from the oldest byte kept when the
// request began, and File the log file (relative to the allocation
// directory) the stream was in when the frame was sent. A frame with no
// fields is a heartbeat.
type StreamFrame struct {
	Offset    int64  `json:",omitempty"`
	Data      []byte `json:",omitempty"`
	File      string `json:",omitempty"`
	FileEvent string `json:",omitempty"`
}

// logHeartbeat is how often a quiet followed stream sends an empty frame,
// so proxies and clients see the connection is alive.
const logHeartbeat = 10 * time.Second

// logChunk bounds the data of one frame.
const logChunk = 64 << 10

// logParams are the query parameters of /v1/client/fs/logs.
type logParams struct {
	task          string
	stream        logs.Stream
	follow, plain bool
	offset        int64
	origin        logs.Origin
}

func parseLogParams(r *http.Request) (*logParams, error) {
	q := r.URL.Query()
	p := &logParams{task: q.Get("task"), stream: logs.Stream(q.Get("type")), origin: logs.Origin(q.Get("origin"))}
	if p.stream == "" {
		p.stream = logs.Stdout
	}
	if p.stream != logs.Stdout && p.stream != logs.Stderr {
		return nil, badRequest("invalid type %q: want stdout or stderr", p.stream)
	}
	if p.origin == "" {
		p.origin = logs.OriginStart
	}
	if p.origin != logs.OriginStart && p.origin != logs.OriginEnd {
		return nil, badRequest("invalid origin %q: want start or end", p.origin)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, badRequest("invalid offset %q: want a byte count of 0 or more", v)
		}
		p.offset = n
	}
	var err error
	if p.follow, err = boolParam(r, "follow"); err != nil {
		return nil, err
	}
	if p.plain, err = boolParam(r, "plain"); err != nil {
		return nil, err
	}
	return p, nil
}

// clientLogs streams a task's stdout or stderr: ?task=&type=stdout|stderr
// &offset=&origin=start|end&follow=&plain=. Without plain=true the bytes
// come as a sequence of JSON StreamFrames; with it, as they are.
func (s *HTTPServer) clientLogs(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	p, err := parseLogParams(r)
	if err != nil {
		return nil, err
	}
	check := func(r *http.Request, a *structs.Allocation) error { return checkTask(a, p.task, false) }
	return s.onAlloc(check, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		// alloc/logs is resolved like any fs API path (a task may have
		// replaced it with a symlink), and the files are read through it.
		root, err := la.OpenLogDir()
		if err != nil {
			return nil, fsError(logDirPath, err)
		}
		defer root.Close()
		return s.streamLogs(w, r, logs.NewDir(root), p)
	})(w, r)
}

// logDirPath is the log directory as the fs API names it.
const logDirPath = "alloc/logs"

func (s *HTTPServer) streamLogs(w http.ResponseWriter, r *http.Request, dir logs.Dir, p *logParams) (interface{}, error) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var rd io.ReadCloser
	var err error
	if p.follow {
		rd, err = dir.Follow(ctx, p.task, p.stream, p.offset, p.origin, logs.FollowOptions{})
	} else {
		rd, err = dir.ReadFrom(p.task, p.stream, p.offset, p.origin)
	}
	switch {
	case errors.Is(err, logs.ErrInvalidTask), errors.Is(err, logs.ErrInvalidStream), errors.Is(err, logs.ErrInvalidOffset),
		errors.Is(err, logs.ErrNotRegular):
		return nil, badRequest("logs of task %q: %v", p.task, err)
	case err != nil:
		return nil, fmt.Errorf("logs of task %q: %w", p.task, err)
	}
	defer rd.Close()
	fileAt := func(off int64) string { return logFileAt(dir, p.task, p.stream, off) }
	s.sendStream(ctx, w, rd, streamStart(dir, p), fileAt, p.follow, p.plain)
	return written{}, nil
}

// sendStream copies rd to the response, as StreamFrames or (plain) as
// raw bytes, until rd ends or ctx is done. start is the offset of rd's
// first byte; fileAt names the file an offset falls in. A followed framed
// stream sends a heartbeat frame when quiet.
func (s *HTTPServer) sendStream(ctx context.Context, w http.ResponseWriter, rd io.Reader, start int64, fileAt func(int64) string, follow, plain bool) {
	if plain {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	flush()

	// One goroutine reads (a follower blocks until there are bytes);
	// this one writes frames and heartbeats.
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, logChunk)
			n, err := rd.Read(buf)
			if n > 0 {
				select {
				case chunks <- buf[:n]:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	enc := newStreamEncoder(w)
	var heartbeat <-chan time.Time
	if follow && !plain {
		t := time.NewTicker(logHeartbeat)
		defer t.Stop()
		heartbeat = t.C
	}
	offset := start
	for {
		var err error
		select {
		case data, ok := <-chunks:
			if !ok {
				return
			}
			offset += int64(len(data))
			if plain {
				_, err = w.Write(data)
			} else {
				err = enc.Encode(StreamFrame{Offset: offset, Data: data, File: fileAt(offset)})
			}
		case <-heartbeat:
			err = enc.Encode(StreamFrame{})
		case <-ctx.Done():
			return
		}
		if err != nil {
			s.logger.Debug("stream ended", "error", err)
			return
		}
		flush()
	}
}

// streamStart is the stream offset (from the oldest kept byte) a read with
// p's offset and origin starts at.
func streamStart(dir logs.Dir, p *logParams) int64 {
	if p.origin == logs.OriginStart {
		return p.offset
	}
	files, _ := dir.Files(p.task, p.stream)
	var total int64
	for _, f := range files {
		total += f.Size
	}
	return max(total-p.offset, 0)
}

// logFileAt names the log file holding stream offset off (best effort:
// files rotated or pruned since the request began shift it).
func logFileAt(dir logs.Dir, task string, stream logs.Stream, off int64) string {
	files, _ := dir.Files(task, stream)
	if len(files) == 0 {
		return ""
	}
	for _, f := range files {
		if off <= f.Size {
			return fmt.Sprintf("%s/%s.%s.%d", logDirPath, task, stream, f.Index)
		}
		off -= f.Size
	}
	return fmt.Sprintf("%s/%s.%s.%d", logDirPath, task, stream, files[len(files)-1].Index)
}
