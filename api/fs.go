package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AllocFileInfo describes a file or directory of an allocation.
type AllocFileInfo struct {
	Name        string
	IsDir       bool
	Size        int64
	FileMode    string
	ModTime     time.Time
	ContentType string `json:",omitempty"`
}

// StreamFrame is one frame of a log stream: Data follows the bytes of the
// previous frame, Offset is the stream offset just after Data and File the
// log file it came from. A frame with no fields is a heartbeat.
type StreamFrame struct {
	Offset    int64  `json:",omitempty"`
	Data      []byte `json:",omitempty"`
	File      string `json:",omitempty"`
	FileEvent string `json:",omitempty"`
}

// IsHeartbeat reports whether the frame carries nothing.
func (s *StreamFrame) IsHeartbeat() bool {
	return s.Offset == 0 && len(s.Data) == 0 && s.File == "" && s.FileEvent == ""
}

// Log origins: where a log offset counts from.
const (
	OriginStart = "start"
	OriginEnd   = "end"
)

// AllocFS is the /v1/client/fs endpoints: an allocation's files and logs.
// The agent asked answers them itself when the allocation runs on its
// client, and otherwise forwards them to the node that runs it.
type AllocFS struct{ client *Client }

// AllocFS returns the allocation file-system endpoints.
func (c *Client) AllocFS() *AllocFS { return &AllocFS{client: c} }

func fsPath(kind string, alloc *Allocation) string {
	return "/v1/client/fs/" + kind + "/" + url.PathEscape(alloc.ID)
}

// List lists a directory of the allocation; path is relative to the
// allocation directory ("/" is its root).
func (a *AllocFS) List(alloc *Allocation, path string, q *QueryOptions) ([]*AllocFileInfo, *QueryMeta, error) {
	var resp []*AllocFileInfo
	qm, err := a.client.query(fsPath("ls", alloc), &resp, withParams(q, map[string]string{"path": path}))
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Stat describes one file or directory of the allocation.
func (a *AllocFS) Stat(alloc *Allocation, path string, q *QueryOptions) (*AllocFileInfo, *QueryMeta, error) {
	var resp AllocFileInfo
	qm, err := a.client.query(fsPath("stat", alloc), &resp, withParams(q, map[string]string{"path": path}))
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}

// Cat reads a whole file of the allocation; the caller closes the reader.
func (a *AllocFS) Cat(alloc *Allocation, path string, q *QueryOptions) (io.ReadCloser, error) {
	return a.raw(context.Background(), fsPath("cat", alloc), withParams(q, map[string]string{"path": path}))
}

// ReadAt reads limit bytes of a file of the allocation from offset.
func (a *AllocFS) ReadAt(alloc *Allocation, path string, offset, limit int64, q *QueryOptions) (io.ReadCloser, error) {
	return a.raw(context.Background(), fsPath("readat", alloc), withParams(q, map[string]string{
		"path": path, "offset": strconv.FormatInt(offset, 10), "limit": strconv.FormatInt(limit, 10)}))
}

// raw GETs path and returns the open body.
func (a *AllocFS) raw(ctx context.Context, path string, q *QueryOptions) (io.ReadCloser, error) {
	r, err := a.client.newRequest(http.MethodGet, path)
	if err != nil {
		return nil, err
	}
	r.setQueryOptions(a.client, q)
	r.ctx = ctx
	resp, _, err := a.client.do(r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Logs streams a task's stdout or stderr (logType "stdout" or "stderr")
// from offset bytes after origin's point (OriginStart or OriginEnd). With
// follow it keeps streaming new output until cancel is closed. Frames
// arrive on the first channel, heartbeats left out; it is closed at the
// end of the stream. A failure arrives on the second channel.
func (a *AllocFS) Logs(alloc *Allocation, follow bool, task, logType, origin string, offset int64,
	cancel <-chan struct{}, q *QueryOptions) (<-chan *StreamFrame, <-chan error) {
	params := map[string]string{"task": task, "type": logType, "origin": origin,
		"offset": strconv.FormatInt(offset, 10), "follow": strconv.FormatBool(follow)}
	return a.frames(fsPath("logs", alloc), withParams(q, params), cancel)
}

// Stream streams a file of the allocation from offset bytes after
// origin's point, and keeps streaming what is appended to it until cancel
// is closed. Frames and errors arrive as with Logs.
func (a *AllocFS) Stream(alloc *Allocation, path, origin string, offset int64,
	cancel <-chan struct{}, q *QueryOptions) (<-chan *StreamFrame, <-chan error) {
	params := map[string]string{"path": path, "origin": origin, "offset": strconv.FormatInt(offset, 10)}
	return a.frames(fsPath("stream", alloc), withParams(q, params), cancel)
}

// frames GETs a framed stream and decodes it onto a channel.
func (a *AllocFS) frames(path string, q *QueryOptions, cancel <-chan struct{}) (<-chan *StreamFrame, <-chan error) {
	frames := make(chan *StreamFrame, 8)
	errCh := make(chan error, 1)
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		select {
		case <-cancel:
			stop()
		case <-ctx.Done():
		}
	}()
	go func() {
		defer stop()
		defer close(frames)
		body, err := a.raw(ctx, path, q)
		if err != nil {
			errCh <- err
			return
		}
		defer body.Close()
		dec := json.NewDecoder(body)
		for {
			var f StreamFrame
			if err := dec.Decode(&f); err != nil {
				if !errors.Is(err, io.EOF) && ctx.Err() == nil {
					errCh <- fmt.Errorf("read stream: %w", err)
				}
				return
			}
			if f.IsHeartbeat() {
				continue
			}
			select {
			case frames <- &f:
			case <-ctx.Done():
				return
			}
		}
	}()
	return frames, errCh
}

// withParams returns a copy of q with more query parameters.
func withParams(q *QueryOptions, params map[string]string) *QueryOptions {
	out := QueryOptions{}
	if q != nil {
		out = *q
	}
	merged := map[string]string{}
	for k, v := range out.Params {
		merged[k] = v
	}
	for k, v := range params {
		merged[k] = v
	}
	out.Params = merged
	return &out
}
