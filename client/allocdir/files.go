package allocdir

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotRegular is returned by Open for anything but a regular file.
var ErrNotRegular = errors.New("not a regular file")

// FileInfo describes one file for the alloc fs API; its JSON field names
// are those of Nomad's AllocFileInfo.
type FileInfo struct {
	Name        string
	IsDir       bool
	Size        int64
	FileMode    string
	ModTime     time.Time
	ContentType string `json:",omitempty"`
}

func newFileInfo(fi os.FileInfo) *FileInfo {
	return &FileInfo{
		Name:     fi.Name(),
		IsDir:    fi.IsDir(),
		Size:     fi.Size(),
		FileMode: fi.Mode().String(),
		ModTime:  fi.ModTime(),
	}
}

// resolve confines an fs API path, relative to d.Dir, where "" and "/"
// name the allocation directory itself and a leading "/" is ignored.
func (d *AllocDir) resolve(rel string) (string, error) {
	return SecureJoin(d.Dir, strings.TrimLeft(rel, "/"))
}

// List returns the entries of a directory, sorted by name. Entries are
// described as they are (a symlink is listed as a symlink, not followed).
func (d *AllocDir) List(rel string) ([]*FileInfo, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", rel, err)
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", rel, err)
	}
	out := make([]*FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			// Removed since ReadDir: leave it out.
			continue
		}
		out = append(out, newFileInfo(fi))
	}
	return out, nil
}

// Stat describes one file or directory; for a regular file, ContentType
// is sniffed from its first 512 bytes.
func (d *AllocDir) Stat(rel string) (*FileInfo, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, fmt.Errorf("stat %q: %w", rel, err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, fmt.Errorf("stat %q: %w", rel, err)
	}
	info := newFileInfo(fi)
	if fi.Mode().IsRegular() {
		info.ContentType = contentType(p)
	}
	return info, nil
}

// Open opens a regular file for reading. It refuses paths outside d.Dir,
// a symlink in the last component and anything but a regular file.
func (d *AllocDir) Open(rel string) (*os.File, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", rel, err)
	}
	f, err := openRegular(p)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", rel, err)
	}
	return f, nil
}

// openRegular opens p without following a last-component symlink and
// checks, on the open file, that it is a regular file.
func openRegular(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is %s", ErrNotRegular, filepath.Base(p), kind(fi.Mode()))
	}
	return f, nil
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symlink"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// contentType sniffs a regular file's MIME type; "" if it cannot be read.
func contentType(p string) string {
	f, err := openRegular(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	ct := http.DetectContentType(buf[:n])
	// DetectContentType knows no JSON.
	if strings.HasSuffix(p, ".json") && strings.HasPrefix(ct, "text/plain") {
		return "application/json"
	}
	return ct
}
