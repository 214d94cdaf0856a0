package logs

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Defaults for the zero values of RotatorConfig; the file ones match the
// jobspec's logs block defaults.
const (
	DefaultMaxFiles         = 10
	DefaultMaxFileSizeBytes = 10 << 20
	DefaultBufferSize       = 64 << 10
	DefaultFlushInterval    = 200 * time.Millisecond
)

// ErrClosed is returned by Write and Flush on a closed Rotator.
var ErrClosed = errors.New("log rotator closed")

// RotatorConfig configures a Rotator.
type RotatorConfig struct {
	Dir    string // created if missing
	Task   string
	Stream Stream

	MaxFiles         int   // files kept, at least 1; 0 means DefaultMaxFiles
	MaxFileSizeBytes int64 // bytes per file, at least 1; 0 means DefaultMaxFileSizeBytes

	// BufferSize bounds the bytes held in memory between flushes; a write
	// at least this large goes straight to disk. 0 means DefaultBufferSize.
	BufferSize int
	// FlushInterval is the longest buffered bytes wait for a flush.
	// 0 means DefaultFlushInterval.
	FlushInterval time.Duration

	Clock  Clock        // nil means the wall clock
	Logger hclog.Logger // nil means no logging
}

// Rotator is an io.WriteCloser over one task stream's rotated files. It is
// safe for concurrent use; each Write lands in the files contiguously.
type Rotator struct {
	dir, task string
	stream    Stream
	maxFiles  int
	maxSize   int64
	bufSize   int
	logger    hclog.Logger

	stopTicker func()
	stop       chan struct{}
	loopDone   chan struct{}

	mu      sync.Mutex // guards the fields below
	buf     []byte
	f       *os.File // current file; nil after an error or before first use
	index   int      // index of the current (highest) file
	size    int64    // bytes in the current file
	lastErr error    // a background flush error not yet returned
	closed  bool
}

// NewRotator opens the stream's files in cfg.Dir, resuming at the highest
// existing index, prunes files beyond MaxFiles, and starts the flush loop.
func NewRotator(cfg RotatorConfig) (*Rotator, error) {
	if err := validate(cfg.Task, cfg.Stream); err != nil {
		return nil, err
	}
	if cfg.Dir == "" {
		return nil, errors.New("log rotator: dir is required")
	}
	if cfg.MaxFiles < 0 || cfg.MaxFileSizeBytes < 0 || cfg.BufferSize < 0 || cfg.FlushInterval < 0 {
		return nil, fmt.Errorf("log rotator for %s.%s: max_files, max_file_size, buffer size and flush interval must not be negative", cfg.Task, cfg.Stream)
	}
	if cfg.MaxFiles == 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	if cfg.MaxFileSizeBytes == 0 {
		cfg.MaxFileSizeBytes = DefaultMaxFileSizeBytes
	}
	if cfg.BufferSize == 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create log dir %q: %w", cfg.Dir, err)
	}

	r := &Rotator{
		dir:      cfg.Dir,
		task:     cfg.Task,
		stream:   cfg.Stream,
		maxFiles: cfg.MaxFiles,
		maxSize:  cfg.MaxFileSizeBytes,
		bufSize:  cfg.BufferSize,
		logger:   cfg.Logger.With("task", cfg.Task, "stream", string(cfg.Stream)),
		buf:      make([]byte, 0, cfg.BufferSize),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	files, err := Files(r.dir, r.task, r.stream)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		r.index = files[len(files)-1].Index
	}
	if err := r.openLocked(); err != nil {
		return nil, err
	}
	if err := r.pruneLocked(); err != nil {
		r.f.Close()
		return nil, err
	}

	tick, stopTicker := cfg.Clock.NewTicker(cfg.FlushInterval)
	r.stopTicker = stopTicker
	go r.flushLoop(tick)
	return r, nil
}

// flushLoop flushes the buffer on every tick until Close.
func (r *Rotator) flushLoop(tick <-chan time.Time) {
	defer close(r.loopDone)
	for {
		select {
		case <-r.stop:
			return
		case <-tick:
			r.mu.Lock()
			if err := r.flushLocked(); err != nil {
				r.logger.Error("failed to flush log buffer", "error", err)
				r.lastErr = err
			}
			r.mu.Unlock()
		}
	}
}

// Write buffers p, or writes it through when it does not fit the buffer.
//
// On a disk error the bytes that could not be written are dropped and the
// next write reopens the files, so a caller copying a task's output should
// log the error and keep reading rather than stop (a task must never block
// on its logs). An error from an earlier background flush is returned once,
// by the next Write, Flush or Close; Write then still accepts p and reports
// n == len(p) alongside that error.
func (r *Rotator) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrClosed
	}
	earlier := r.takeErrLocked()
	if len(r.buf)+len(p) > r.bufSize {
		if err := r.flushLocked(); err != nil {
			earlier = errors.Join(earlier, err)
		}
	}
	if len(p) >= r.bufSize {
		n, err := r.writeLocked(p)
		return n, errors.Join(earlier, err)
	}
	r.buf = append(r.buf, p...)
	return len(p), earlier
}

// Flush writes the buffered bytes to disk now.
func (r *Rotator) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if err := r.takeErrLocked(); err != nil {
		return err
	}
	return r.flushLocked()
}

// Close stops the flush loop, flushes the buffer and closes the current
// file. Closing twice is a no-op.
func (r *Rotator) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()

	close(r.stop)
	r.stopTicker()
	<-r.loopDone

	r.mu.Lock()
	defer r.mu.Unlock()
	err := errors.Join(r.takeErrLocked(), r.flushLocked())
	if r.f != nil {
		if cerr := r.f.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close log file: %w", cerr))
		}
		r.f = nil
	}
	return err
}

func (r *Rotator) takeErrLocked() error {
	err := r.lastErr
	r.lastErr = nil
	return err
}

// flushLocked writes out the buffer; on error the buffer is dropped.
func (r *Rotator) flushLocked() error {
	if len(r.buf) == 0 {
		return nil
	}
	_, err := r.writeLocked(r.buf)
	r.buf = r.buf[:0]
	return err
}

// writeLocked writes p across as many files as it takes, rotating when
// the current file is full.
func (r *Rotator) writeLocked(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if r.f == nil {
			if err := r.openLocked(); err != nil {
				return written, err
			}
		}
		if r.size >= r.maxSize {
			if err := r.rotateLocked(); err != nil {
				return written, err
			}
		}
		chunk := p
		if room := r.maxSize - r.size; int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		n, err := r.f.Write(chunk)
		written += n
		r.size += int64(n)
		p = p[n:]
		if err != nil {
			// Reopen on the next write: the file may have been removed or
			// the disk may have room again.
			r.f.Close()
			r.f = nil
			return written, fmt.Errorf("write log file %s: %w", r.currentPath(), err)
		}
	}
	return written, nil
}

// currentPath names the file at r.index.
func (r *Rotator) currentPath() string { return filePath(r.dir, r.task, r.stream, r.index) }

// openLocked opens (creating if needed) the file at r.index for appending
// and reads its size.
func (r *Rotator) openLocked() error {
	f, err := openRegular(r.currentPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log file %s: %w", r.currentPath(), err)
	}
	r.f, r.size = f, fi.Size()
	return nil
}

// rotateLocked moves to the next index and prunes the oldest files.
func (r *Rotator) rotateLocked() error {
	if err := r.f.Close(); err != nil {
		r.logger.Warn("failed to close rotated log file", "path", r.currentPath(), "error", err)
	}
	r.f = nil
	r.index++
	if err := r.openLocked(); err != nil {
		return err
	}
	if err := r.pruneLocked(); err != nil {
		r.logger.Warn("failed to prune old log files", "error", err)
	}
	return nil
}

// pruneLocked deletes every file older than the newest MaxFiles.
func (r *Rotator) pruneLocked() error {
	files, err := Files(r.dir, r.task, r.stream)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		if f.Index > r.index-r.maxFiles {
			break
		}
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove old log file: %w", err))
		}
	}
	return errors.Join(errs...)
}
