package logs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Stream names one of a task's two output streams.
type Stream string

// The two streams a task writes.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

var (
	// ErrInvalidTask is wrapped by the error returned for a task name that
	// could name a path outside the log directory.
	ErrInvalidTask = errors.New("invalid task name")
	// ErrInvalidStream is wrapped by the error returned for a stream other
	// than stdout or stderr.
	ErrInvalidStream = errors.New("invalid log stream")
	// ErrNotRegular is wrapped by the error returned when a log file path
	// holds something other than a regular file (a symlink, FIFO or
	// directory), which this package never reads or writes through.
	ErrNotRegular = errors.New("log file is not a regular file")
)

// File is one rotated log file.
type File struct {
	Index int
	Path  string
	Size  int64
}

// validate refuses a task name or stream that would not give a plain file
// name inside the log directory.
func validate(task string, stream Stream) error {
	switch {
	case task == "":
		return fmt.Errorf("%w: empty", ErrInvalidTask)
	case task == "." || task == "..":
		return fmt.Errorf("%w %q: must not be %q", ErrInvalidTask, task, task)
	case strings.ContainsAny(task, `/\`+"\x00"):
		return fmt.Errorf("%w %q: must not contain '/', '\\' or NUL", ErrInvalidTask, task)
	}
	if stream != Stdout && stream != Stderr {
		return fmt.Errorf("%w %q: want %q or %q", ErrInvalidStream, stream, Stdout, Stderr)
	}
	return nil
}

// filePath is <dir>/<task>.<stream>.<index>; validate must have passed.
func filePath(dir, task string, stream Stream, index int) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%s.%d", task, stream, index))
}

// Files lists the task's log files for stream in dir, oldest (lowest
// index) first. A missing directory is no files, not an error. Entries
// that are not regular files are skipped.
func Files(dir, task string, stream Stream) ([]File, error) {
	return listFiles(pathSource(dir), task, stream)
}

func listFiles(src source, task string, stream Stream) ([]File, error) {
	if err := validate(task, stream); err != nil {
		return nil, err
	}
	entries, err := src.list()
	if err != nil {
		return nil, err
	}
	prefix := task + "." + string(stream) + "."
	var files []File
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) {
			continue
		}
		idx, ok := parseIndex(strings.TrimPrefix(name, prefix))
		if !ok {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // pruned since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("stat log file %q: %w", name, err)
		}
		files = append(files, File{Index: idx, Path: src.path(name), Size: info.Size()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Index < files[j].Index })
	return files, nil
}

// parseIndex accepts only plain decimal digits, so "01" or "+1" written by
// someone else are never taken for a file of ours.
func parseIndex(s string) (int, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// openRegular opens path with flag, refusing symlinks (on Unix) and
// anything that is not a regular file once open.
func openRegular(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|openFlags, perm)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("open log file %q: %w (%s)", path, ErrNotRegular, fi.Mode().Type())
		}
		return nil, fmt.Errorf("open log file %q: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat log file %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open log file %q: %w (%s)", path, ErrNotRegular, fi.Mode().Type())
	}
	return f, nil
}
