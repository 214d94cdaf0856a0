package agent

import (
	"io"
	"net/http"
	"sort"
	"strconv"
)

// The /v1/client/fs endpoints read an allocation's directory: ls and stat
// answer AllocFileInfo JSON, cat and readat the file's bytes. Paths are
// relative to the allocation directory ("/" or "" is its root) and may not
// leave it; they all go through allocdir's one confined resolver.

// maxReadAtLimit bounds the limit of one readat (1 GiB): far more than a
// client reading a file in parts asks for, and a clear answer to one that
// asks for "everything" with a huge count (cat is for that).
const maxReadAtLimit = 1 << 30

func (s *HTTPServer) clientFSList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		path := r.URL.Query().Get("path")
		if path == "" {
			path = "/"
		}
		files, err := la.List(path)
		if err != nil {
			return nil, fsError(path, err)
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		if files == nil {
			files = []*AllocFileInfo{}
		}
		return files, nil
	})(w, r)
}

func (s *HTTPServer) clientFSStat(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		path := r.URL.Query().Get("path")
		if path == "" {
			return nil, badRequest("missing path: want ?path=alloc/logs (relative to the allocation directory)")
		}
		fi, err := la.Stat(path)
		if err != nil {
			return nil, fsError(path, err)
		}
		return fi, nil
	})(w, r)
}

func (s *HTTPServer) clientFSCat(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		path := r.URL.Query().Get("path")
		if path == "" {
			return nil, badRequest("missing path: want ?path=alloc/logs/web.stdout.0 (relative to the allocation directory)")
		}
		return s.sendFile(w, la, path, 0, -1)
	})(w, r)
}

func (s *HTTPServer) clientFSReadAt(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		q := r.URL.Query()
		path := q.Get("path")
		if path == "" {
			return nil, badRequest("missing path: want ?path=...&offset=N&limit=N")
		}
		offset, err := strconv.ParseInt(q.Get("offset"), 10, 64)
		if err != nil || offset < 0 {
			return nil, badRequest("invalid offset %q: want a byte offset of 0 or more", q.Get("offset"))
		}
		limit, err := strconv.ParseInt(q.Get("limit"), 10, 64)
		if err != nil || limit < 0 {
			return nil, badRequest("invalid limit %q: want a byte count from 0 to %d", q.Get("limit"), maxReadAtLimit)
		}
		if limit > maxReadAtLimit {
			return nil, badRequest("limit %d is more than one readat may ask for: want a byte count from 0 to %d; read a larger file in parts, or with cat", limit, maxReadAtLimit)
		}
		return s.sendFile(w, la, path, offset, limit)
	})(w, r)
}

// sendFile writes limit bytes (all with -1) of the file from offset.
func (s *HTTPServer) sendFile(w http.ResponseWriter, la localAlloc, path string, offset, limit int64) (interface{}, error) {
	fi, err := la.Stat(path)
	if err != nil {
		return nil, fsError(path, err)
	}
	if fi.IsDir {
		return nil, badRequest("path %q is a directory: list it with /v1/client/fs/ls", path)
	}
	if offset > fi.Size {
		return nil, badRequest("offset %d is past the end of %q (%d bytes): want an offset from 0 to %d", offset, path, fi.Size, fi.Size)
	}
	f, err := la.Open(path)
	if err != nil {
		return nil, fsError(path, err)
	}
	defer f.Close()
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, fsError(path, err)
		}
	}
	var src io.Reader = f
	if limit >= 0 {
		src = io.LimitReader(f, limit)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, src); err != nil {
		s.logger.Debug("sending allocation file stopped", "path", path, "error", err)
	}
	return written{}, nil
}
