package allocdir

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
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

// List returns the entries of a directory, sorted by name. Entries are
// described as they are (a symlink is listed as a symlink, not followed).
// Anything but a directory is ErrNotDir.
func (d *AllocDir) List(rel string) ([]*FileInfo, error) {
	sub, err := d.openDir("list", rel)
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	dir, err := sub.Open(".")
	if err != nil {
		return nil, &PathError{Op: "list", Path: rel, Err: bare(err)}
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return nil, &PathError{Op: "list", Path: rel, Err: bare(err)}
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
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// openDir resolves rel to a directory and opens it as a root.
func (d *AllocDir) openDir(op, rel string) (*os.Root, error) {
	r, err := d.resolve(op, rel)
	if err != nil {
		return nil, err
	}
	defer r.dir.Close()
	fail := func(err error) error { return &PathError{Op: op, Path: rel, Err: err} }
	if !r.info.IsDir() {
		return nil, fail(fmt.Errorf("%w (it is %s)", ErrNotDir, kind(r.info.Mode())))
	}
	sub, err := r.dir.OpenRoot(r.name)
	if err != nil {
		return nil, fail(bare(err))
	}
	if err := sameFile(r.info, sub, "."); err != nil {
		sub.Close()
		return nil, fail(err)
	}
	return sub, nil
}

// OpenLogDir opens the shared log directory, alloc/logs, through the same
// resolver as every other fs API path: if a task replaced it with a
// symlink, the symlink is followed only inside the allocation directory
// and never into a secrets directory. The logs API reads through the
// returned root, which the caller closes.
func (d *AllocDir) OpenLogDir() (*os.Root, error) {
	return d.openDir("logs", SharedAllocName+"/"+LogDirName)
}

// Stat describes one file or directory; for a regular file, ContentType
// is sniffed from its first 512 bytes.
func (d *AllocDir) Stat(rel string) (*FileInfo, error) {
	r, err := d.resolve("stat", rel)
	if err != nil {
		return nil, err
	}
	defer r.dir.Close()
	info := newFileInfo(r.info)
	if r.name == "." {
		info.Name = path.Base("/" + r.logical)
		if r.logical == "" {
			info.Name = filepath.Base(d.Dir)
		}
	}
	if r.info.Mode().IsRegular() {
		if f, err := openRegular(r); err == nil {
			info.ContentType = contentType(f, r.name)
			f.Close()
		}
	}
	return info, nil
}

// Open opens a regular file for reading. It refuses paths outside d.Dir
// or in a secrets directory, and anything but a regular file; a FIFO is
// refused without being opened, so it cannot block.
func (d *AllocDir) Open(rel string) (*os.File, error) {
	r, err := d.resolve("open", rel)
	if err != nil {
		return nil, err
	}
	defer r.dir.Close()
	f, err := openRegular(r)
	if err != nil {
		return nil, &PathError{Op: "open", Path: rel, Err: err}
	}
	return f, nil
}

// openRegular opens the resolved entry, which must be a regular file, and
// checks on the open file that it is the one resolved (a task may have
// swapped it for a symlink or a FIFO meanwhile: the open does not block
// on a FIFO, and os.Root would follow a symlink only inside r.dir).
func openRegular(r *resolved) (*os.File, error) {
	if !r.info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (it is %s)", ErrNotRegular, kind(r.info.Mode()))
	}
	f, err := r.dir.OpenFile(r.name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, bare(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, bare(err)
	}
	if !fi.Mode().IsRegular() || !os.SameFile(fi, r.info) {
		f.Close()
		return nil, ErrChanged
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
func contentType(f *os.File, name string) string {
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	ct := http.DetectContentType(buf[:n])
	// DetectContentType knows no JSON.
	if strings.HasSuffix(name, ".json") && strings.HasPrefix(ct, "text/plain") {
		return "application/json"
	}
	return ct
}
