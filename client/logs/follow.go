package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// DefaultPollInterval is how often Follow looks for new bytes when it has
// read everything.
const DefaultPollInterval = 250 * time.Millisecond

// FollowOptions tunes Follow.
type FollowOptions struct {
	Clock        Clock         // nil means the wall clock
	PollInterval time.Duration // 0 means DefaultPollInterval
}

// Follow returns a reader of the stream from offset (counted from origin)
// that, once it has caught up, waits for new bytes, moving to the next
// file when the writer rotates. It polls on the Clock's ticker (see the
// package doc). Read returns io.EOF once ctx is done or Close was called.
// If the writer rotates past MaxFiles faster than the reader keeps up, the
// pruned files are skipped and their bytes are lost to this reader.
func Follow(ctx context.Context, dir, task string, stream Stream, offset int64, origin Origin, opts FollowOptions) (io.ReadCloser, error) {
	return follow(ctx, pathSource(dir), task, stream, offset, origin, opts)
}

func follow(ctx context.Context, src source, task string, stream Stream, offset int64, origin Origin, opts FollowOptions) (io.ReadCloser, error) {
	files, err := listFiles(src, task, stream)
	if err != nil {
		return nil, err
	}
	pos, err := resolve(files, offset, origin)
	if err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	tick, stop := opts.Clock.NewTicker(opts.PollInterval)
	return &follower{
		ctx: ctx, src: src, task: task, stream: stream,
		tick: tick, stopTicker: stop,
		closed: make(chan struct{}),
		index:  pos.index, seek: pos.offset,
	}, nil
}

// follower is the reader Follow returns. Read is meant for one goroutine;
// Close may come from another.
type follower struct {
	ctx        context.Context
	src        source
	task       string
	stream     Stream
	tick       <-chan time.Time
	stopTicker func()
	closeOnce  sync.Once
	closed     chan struct{}

	mu    sync.Mutex // guards the fields below
	f     *os.File   // open file at index; nil until it exists
	name  string     // f's File.Path, for errors
	index int        // index of the file being read
	seek  int64      // offset to seek to when index is opened
	done  bool
}

func (fl *follower) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		select {
		case <-fl.ctx.Done():
			return 0, io.EOF
		case <-fl.closed:
			return 0, io.EOF
		default:
		}
		n, progressed, err := fl.step(p)
		if n > 0 || err != nil {
			return n, err
		}
		if progressed {
			continue
		}
		select {
		case <-fl.ctx.Done():
			return 0, io.EOF
		case <-fl.closed:
			return 0, io.EOF
		case <-fl.tick:
		}
	}
}

// step reads what is there now. It reports bytes read, or whether it moved
// to another file (worth trying again at once), or neither (wait a tick).
func (fl *follower) step(p []byte) (n int, progressed bool, err error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.done {
		return 0, false, io.EOF
	}
	if fl.f == nil {
		opened, err := fl.openLocked()
		return 0, opened, err
	}
	n, err = fl.f.Read(p)
	if n > 0 || (err != nil && err != io.EOF) {
		if err == io.EOF {
			err = nil
		}
		return n, false, wrapRead(fl.name, err)
	}
	// At the end of this file: has the writer moved on?
	files, err := listFiles(fl.src, fl.task, fl.stream)
	if err != nil {
		return 0, false, err
	}
	next := -1
	for _, f := range files {
		if f.Index > fl.index {
			next = f.Index
			break
		}
	}
	if next < 0 {
		return 0, false, nil
	}
	// The writer finishes a file before creating the next, so one more read
	// picks up anything written between our EOF and the listing.
	n, err = fl.f.Read(p)
	if n > 0 || (err != nil && err != io.EOF) {
		if err == io.EOF {
			err = nil
		}
		return n, false, wrapRead(fl.name, err)
	}
	fl.f.Close()
	fl.f, fl.index, fl.seek = nil, next, 0
	return 0, true, nil
}

// openLocked opens the file at fl.index, or the oldest newer one if it was
// pruned. It reports whether a file is now open.
func (fl *follower) openLocked() (bool, error) {
	files, err := listFiles(fl.src, fl.task, fl.stream)
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if f.Index < fl.index {
			continue
		}
		if f.Index > fl.index {
			fl.index, fl.seek = f.Index, 0 // ours was pruned
		}
		fh, err := fl.src.open(f.Path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		if fl.seek > 0 {
			if _, err := fh.Seek(fl.seek, io.SeekStart); err != nil {
				fh.Close()
				return false, fmt.Errorf("seek log file %q: %w", f.Path, bareErr(err))
			}
		}
		fl.f, fl.name = fh, f.Path
		return true, nil
	}
	return false, nil
}

func wrapRead(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read log file %q: %w", path, err)
}

// Close ends the stream: a blocked Read returns io.EOF.
func (fl *follower) Close() error {
	fl.closeOnce.Do(func() {
		close(fl.closed)
		fl.stopTicker()
	})
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.done = true
	if fl.f == nil {
		return nil
	}
	err := fl.f.Close()
	fl.f = nil
	return err
}
