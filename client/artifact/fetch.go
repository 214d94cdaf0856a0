package artifact

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/client/allocdir"
)

// fetch copies the source's bytes into dst, at most max of them, and
// returns their digest when c asks for one.
func (g *Getter) fetch(ctx context.Context, s *source, allocDir, taskDir string, dst io.Writer, c checksum, max int64) ([]byte, error) {
	var r io.ReadCloser
	var err error
	if s.url != nil {
		r, err = g.open(ctx, s, max)
	} else {
		r, err = g.openFile(s, allocDir, taskDir)
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()

	h := c.newHash()
	w := dst
	if h != nil {
		w = io.MultiWriter(dst, h)
	}
	n, err := io.Copy(w, io.LimitReader(ctxReader{ctx, r}, max+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if n > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	if h == nil {
		return nil, nil
	}
	return h.Sum(nil), nil
}

// open starts an HTTP GET of the source.
func (g *Getter) open(ctx context.Context, s *source, max int64) (io.ReadCloser, error) {
	client := g.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("fetch: GET returned %s", resp.Status)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: server announces %d bytes, the limit is %d", ErrTooLarge, resp.ContentLength, max)
	}
	return resp.Body, nil
}

// openFile opens a file source after checking that it lies inside the
// task directory (relative sources), the allocation directory or one of
// the file roots. The check is made on the path with every symlink
// resolved, and that resolved path is what is opened.
//
// taskDir has its symlinks resolved.
func (g *Getter) openFile(s *source, allocDir, taskDir string) (io.ReadCloser, error) {
	var real string
	if s.relative {
		p, err := allocdir.SecureJoin(taskDir, s.path)
		if err != nil {
			return nil, fmt.Errorf("source path: %w", err)
		}
		if real, err = filepath.EvalSymlinks(p); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		if !within(taskDir, real) {
			return nil, fmt.Errorf("source path %q: %w", s.path, allocdir.ErrEscapes)
		}
	} else {
		var err error
		if real, err = filepath.EvalSymlinks(s.path); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		roots := append([]string{allocDir}, g.FileRoots...)
		allowed := false
		for _, root := range roots {
			if root == "" {
				continue
			}
			if rr, err := filepath.EvalSymlinks(root); err == nil && within(rr, real) {
				allowed = true
				break
			}
		}
		if !allowed {
			return nil, fmt.Errorf("%w: %s is outside the allocation directory and the client's file roots; "+
				"an operator may allow host directories with client { artifact { file_roots = [...] } } (now: [%s])",
				ErrFileSourceNotAllowed, s.path, strings.Join(g.FileRoots, ", "))
		}
	}
	f, err := os.OpenFile(real, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("source: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		if fi.IsDir() {
			return nil, fmt.Errorf("%w: source %s is a directory: only files and archives are supported", ErrInvalid, s.path)
		}
		return nil, fmt.Errorf("%w: source %s is not a regular file", ErrInvalid, s.path)
	}
	return f, nil
}

// ctxReader fails reads once ctx is done, so a slow copy stops promptly
// even for a source the context does not reach (a local file).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
