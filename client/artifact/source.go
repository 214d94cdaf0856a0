package artifact

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// source is a parsed artifact source.
type source struct {
	url      *url.URL // http and https sources; nil for files
	path     string   // file sources: absolute, or relative to the task directory
	relative bool     // path is relative to the task directory
	name     string   // the file name the source names ("" if none)
}

// parseSource classifies src: http(s) URL, file URL, absolute path or a
// path relative to the task directory.
func parseSource(src string) (*source, error) {
	if src == "" {
		return nil, fmt.Errorf("%w: empty source", ErrInvalid)
	}
	if strings.ContainsRune(src, 0) {
		return nil, fmt.Errorf("%w: source contains a NUL byte", ErrInvalid)
	}
	if forced, _, ok := strings.Cut(src, "::"); ok && !strings.Contains(forced, "/") {
		return nil, fmt.Errorf("%w: getter %q is not supported: use an http://, https:// or file source", ErrInvalid, forced)
	}
	if filepath.IsAbs(src) {
		return &source{path: filepath.Clean(src), name: filepath.Base(src)}, nil
	}
	if i := strings.Index(src, "://"); i > 0 {
		u, err := url.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.Host == "" {
				return nil, fmt.Errorf("%w: URL has no host", ErrInvalid)
			}
			return &source{url: u, name: urlName(u.Path)}, nil
		case "file":
			if u.Host != "" && u.Host != "localhost" {
				return nil, fmt.Errorf("%w: file URL with host %q: only local files are supported", ErrInvalid, u.Host)
			}
			if !filepath.IsAbs(u.Path) {
				return nil, fmt.Errorf("%w: file URL path %q is not absolute", ErrInvalid, u.Path)
			}
			return &source{path: filepath.Clean(u.Path), name: filepath.Base(u.Path)}, nil
		default:
			return nil, fmt.Errorf("%w: scheme %q is not supported: use http, https or file", ErrInvalid, u.Scheme)
		}
	}
	return &source{path: src, relative: true, name: filepath.Base(src)}, nil
}

// urlName is the last element of a URL path, "" when there is none.
func urlName(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return ""
	}
	name := path.Base(p)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}
