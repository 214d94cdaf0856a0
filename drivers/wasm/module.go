package wasm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxModuleBytes bounds a module read from the task directory or
// downloaded: large enough for any real module (a Go program is a few
// MiB), small enough that a wrong URL cannot fill the disk or the plugin's
// memory.
const maxModuleBytes = 256 << 20

// loadModule reads the task's module: a path inside the task directory, or
// an https:// URL downloaded into the task's local directory first.
func (d *Driver) loadModule(ctx context.Context, td taskDirs, module string) ([]byte, [32]byte, error) {
	var bin []byte
	var err error
	if strings.Contains(module, "://") {
		bin, err = d.download(ctx, td.local, module)
	} else {
		bin, err = readModule(td.dir, module)
	}
	if err != nil {
		return nil, [32]byte{}, err
	}
	return bin, sha256.Sum256(bin), nil
}

// taskDirs are the host directories of a task the driver uses.
type taskDirs struct {
	dir, local, alloc, secrets string
}

// readModule reads module, a path relative to the task directory dir that
// must stay inside it.
func readModule(dir, module string) ([]byte, error) {
	if dir == "" {
		return nil, fmt.Errorf("module %q: the task has no task directory to find it in", module)
	}
	p, err := resolveInside(dir, module, true)
	if err != nil {
		if errors.Is(err, ErrEscapes) {
			return nil, fmt.Errorf("module %q: want a path inside the task directory such as \"local/app.wasm\": %w", module, err)
		}
		return nil, fmt.Errorf("module %q: %w", module, err)
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("module %q not found in the task directory; fetch it with an artifact block (it lands in local/ by default) or give an https:// URL: %w", module, err)
		}
		return nil, fmt.Errorf("module %q: %w", module, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("module %q: %w", module, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("module %q is a %s, not a regular file", module, fi.Mode().Type())
	}
	if fi.Size() > maxModuleBytes {
		return nil, fmt.Errorf("module %q is larger than %d MiB", module, maxModuleBytes>>20)
	}
	// One read of the size the file has, rather than ReadAll's doubling.
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read module %q: %w", module, err)
	}
	return b, nil
}

func readBounded(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxModuleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read module %q: %w", what, err)
	}
	if len(b) > maxModuleBytes {
		return nil, fmt.Errorf("module %q is larger than %d MiB", what, maxModuleBytes>>20)
	}
	return b, nil
}

// download fetches an https:// module into localDir under the last element
// of its URL path (module.wasm when that is no file name) and returns its
// bytes.
func (d *Driver) download(ctx context.Context, localDir, module string) ([]byte, error) {
	u, err := url.Parse(module)
	if err != nil {
		return nil, fmt.Errorf("module URL %q: %w", module, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("module URL %q: only https:// URLs are fetched by the driver; use an artifact block for other sources", module)
	}
	if localDir == "" {
		return nil, fmt.Errorf("module URL %q: the task has no local directory to download into", module)
	}
	name := path.Base(u.Path)
	if name == "." || name == ".." || name == "/" || strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, ".wasm") {
		name = "module.wasm"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, module, nil)
	if err != nil {
		return nil, fmt.Errorf("module URL %q: %w", module, err)
	}
	resp, err := d.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download module %q: %w", module, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download module %q: HTTP %s", module, resp.Status)
	}
	bin, err := readBounded(resp.Body, module)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(localDir, ".download-*.wasm")
	if err != nil {
		return nil, fmt.Errorf("download module %q: %w", module, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(bin); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("download module %q: write: %w", module, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("download module %q: write: %w", module, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(localDir, name)); err != nil {
		return nil, fmt.Errorf("download module %q: %w", module, err)
	}
	return bin, nil
}

// redirectHTTPSOnly is the download client's CheckRedirect: a module URL
// must not redirect to plain http.
func redirectHTTPSOnly(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" {
		return fmt.Errorf("redirected to %s: only https is followed", req.URL.Redacted())
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}
