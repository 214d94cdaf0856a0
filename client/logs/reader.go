package logs

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Origin says what a read offset counts from.
type Origin string

// The two origins the logs API accepts.
const (
	OriginStart Origin = "start" // offset bytes after the oldest kept byte
	OriginEnd   Origin = "end"   // offset bytes before the newest byte
)

// ErrInvalidOffset is wrapped by the error returned for a negative offset
// or an origin other than "start" or "end".
var ErrInvalidOffset = errors.New("invalid log offset")

// position is a place in the rotated files: a file index and a byte offset
// inside it.
type position struct {
	index  int
	offset int64
}

// resolve turns offset and origin into a position in files. Offsets past
// either end are clamped to it; with no files the position is the start
// of index 0.
func resolve(files []File, offset int64, origin Origin) (position, error) {
	if offset < 0 {
		return position{}, fmt.Errorf("%w: %d is negative", ErrInvalidOffset, offset)
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	switch origin {
	case OriginStart:
	case OriginEnd:
		offset = max(total-offset, 0)
	default:
		return position{}, fmt.Errorf("%w: origin %q, want %q or %q", ErrInvalidOffset, origin, OriginStart, OriginEnd)
	}
	if len(files) == 0 {
		return position{}, nil
	}
	for _, f := range files {
		if offset < f.Size {
			return position{index: f.Index, offset: offset}, nil
		}
		offset -= f.Size
	}
	last := files[len(files)-1]
	return position{index: last.Index, offset: last.Size}, nil
}

// ReadFrom returns the stream's bytes from offset (counted from origin)
// to the current end, across the rotated files. The files are opened up
// front, so one the Rotator prunes meanwhile is still read to its end on
// Unix; bytes written after the call may or may not be included.
func ReadFrom(dir, task string, stream Stream, offset int64, origin Origin) (io.ReadCloser, error) {
	return readFrom(pathSource(dir), task, stream, offset, origin)
}

func readFrom(src source, task string, stream Stream, offset int64, origin Origin) (io.ReadCloser, error) {
	files, err := listFiles(src, task, stream)
	if err != nil {
		return nil, err
	}
	pos, err := resolve(files, offset, origin)
	if err != nil {
		return nil, err
	}
	mr := &multiFile{}
	for _, f := range files {
		if f.Index < pos.index {
			continue
		}
		fh, err := src.open(f.Path)
		if errors.Is(err, os.ErrNotExist) {
			continue // pruned since listing
		}
		if err != nil {
			mr.Close()
			return nil, err
		}
		if f.Index == pos.index && pos.offset > 0 {
			if _, err := fh.Seek(pos.offset, io.SeekStart); err != nil {
				fh.Close()
				mr.Close()
				return nil, fmt.Errorf("seek log file %q: %w", f.Path, bareErr(err))
			}
		}
		mr.files = append(mr.files, fh)
	}
	return mr, nil
}

// multiFile reads its files one after another and closes them all.
type multiFile struct {
	files []*os.File
	next  int
}

func (m *multiFile) Read(p []byte) (int, error) {
	for m.next < len(m.files) {
		n, err := m.files[m.next].Read(p)
		if err == io.EOF {
			m.next++
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.EOF
}

func (m *multiFile) Close() error {
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	m.files = nil
	return errors.Join(errs...)
}
