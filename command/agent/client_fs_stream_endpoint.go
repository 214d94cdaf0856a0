package agent

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"time"
)

// fileStreamPoll is how often a followed file is checked for new bytes.
const fileStreamPoll = 250 * time.Millisecond

// clientFSStream streams one file of the allocation directory as
// StreamFrames (or raw with plain=true): ?path=&offset=&origin=start|end
// &follow= (default true, as in Nomad: keep streaming what is appended).
func (s *HTTPServer) clientFSStream(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		q := r.URL.Query()
		p := q.Get("path")
		if p == "" {
			return nil, badRequest("missing path: want ?path=alloc/logs/web.stdout.0 (relative to the allocation directory)")
		}
		var offset int64
		if v := q.Get("offset"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, badRequest("invalid offset %q: want a byte count of 0 or more", v)
			}
			offset = n
		}
		origin := q.Get("origin")
		if origin == "" {
			origin = "start"
		}
		if origin != "start" && origin != "end" {
			return nil, badRequest("invalid origin %q: want start or end", origin)
		}
		follow := true
		if _, ok := q["follow"]; ok {
			var err error
			if follow, err = boolParam(r, "follow"); err != nil {
				return nil, err
			}
		}
		plain, err := boolParam(r, "plain")
		if err != nil {
			return nil, err
		}
		fi, err := la.Stat(p)
		if err != nil {
			return nil, fsError(p, err)
		}
		if fi.IsDir {
			return nil, badRequest("path %q is a directory: list it with /v1/client/fs/ls", p)
		}
		f, err := la.Open(p)
		if err != nil {
			return nil, fsError(p, err)
		}
		defer f.Close()
		start := offset
		if origin == "end" {
			start = max(fi.Size-offset, 0)
		}
		start = min(start, fi.Size)
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			return nil, fsError(p, err)
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		rd := &fileFollower{ctx: ctx, f: f, pos: start, follow: follow}
		name := path.Clean("/" + p)[1:]
		s.sendStream(ctx, w, rd, start, func(int64) string { return name }, follow, plain)
		return written{}, nil
	})(w, r)
}

// fileFollower reads a file and, when following, waits for it to grow;
// a file truncated under it is read again from its start.
type fileFollower struct {
	ctx    context.Context
	f      *os.File
	pos    int64
	follow bool
	tick   *time.Ticker
}

func (ff *fileFollower) Read(p []byte) (int, error) {
	for {
		n, err := ff.f.Read(p)
		ff.pos += int64(n)
		if n > 0 || !errors.Is(err, io.EOF) {
			return n, err
		}
		if !ff.follow {
			return 0, io.EOF
		}
		if fi, serr := ff.f.Stat(); serr == nil && fi.Size() < ff.pos {
			if _, err := ff.f.Seek(0, io.SeekStart); err != nil {
				return 0, err
			}
			ff.pos = 0
			continue
		}
		if ff.tick == nil {
			ff.tick = time.NewTicker(fileStreamPoll)
		}
		select {
		case <-ff.ctx.Done():
			ff.tick.Stop()
			return 0, io.EOF
		case <-ff.tick.C:
		}
	}
}
