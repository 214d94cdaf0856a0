package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// source is where the read side finds a task's log files: a directory
// path (the Rotator's own directory, and the package-level functions) or
// a Dir.
type source interface {
	// list reads the directory's entries; a missing directory has none.
	list() ([]fs.DirEntry, error)
	// path is what File.Path holds for the entry name.
	path(name string) string
	// open opens a File.Path for reading, refusing anything but a
	// regular file.
	open(p string) (*os.File, error)
}

// pathSource is a directory named by its path.
type pathSource string

func (d pathSource) list() ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(string(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list log files in %q: %w", string(d), err)
	}
	return entries, nil
}

func (d pathSource) path(name string) string { return filepath.Join(string(d), name) }

func (d pathSource) open(p string) (*os.File, error) { return openRegular(p, os.O_RDONLY, 0) }

// Dir reads a log directory through an open os.Root, so that nothing in
// it leads elsewhere: a symlink among the log files is followed only
// inside the directory. Whoever opened the root (the fs API confines it
// to the allocation directory first) decides what it may be, and closes
// it after the readers are done. File.Path is then the file's name in the
// directory, and errors name no host path.
type Dir struct{ root *os.Root }

// NewDir reads the log files in root.
func NewDir(root *os.Root) Dir { return Dir{root: root} }

// Files is the package-level Files, in d.
func (d Dir) Files(task string, stream Stream) ([]File, error) {
	return listFiles(rootSource{d.root}, task, stream)
}

// ReadFrom is the package-level ReadFrom, in d.
func (d Dir) ReadFrom(task string, stream Stream, offset int64, origin Origin) (io.ReadCloser, error) {
	return readFrom(rootSource{d.root}, task, stream, offset, origin)
}

// Follow is the package-level Follow, in d.
func (d Dir) Follow(ctx context.Context, task string, stream Stream, offset int64, origin Origin, opts FollowOptions) (io.ReadCloser, error) {
	return follow(ctx, rootSource{d.root}, task, stream, offset, origin, opts)
}

// rootSource is a Dir's root.
type rootSource struct{ root *os.Root }

func (d rootSource) list() ([]fs.DirEntry, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("list log files: %w", bareErr(err))
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("list log files: %w", bareErr(err))
	}
	return entries, nil
}

func (d rootSource) path(name string) string { return name }

func (d rootSource) open(name string) (*os.File, error) {
	f, err := d.root.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("open log file %q: %w", name, bareErr(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat log file %q: %w", name, bareErr(err))
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open log file %q: %w (%s)", name, ErrNotRegular, fi.Mode().Type())
	}
	return f, nil
}

// bareErr drops an *fs.PathError's path (a host path for files opened
// through a root), keeping the operation's errno.
func bareErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
