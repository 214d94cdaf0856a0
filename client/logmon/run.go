package logmon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/logs"
)

// copyBufSize is the read size from a FIFO; a pipe holds 64 KiB.
const copyBufSize = 64 << 10

// Run is the logmon process's main: it parses args (the flags Launch
// passes), copies the two FIFOs into rotated files until SIGTERM, SIGINT
// or ctx ends, then drains the FIFOs, flushes and returns 0. It returns 1
// when it cannot start; errors and its own log lines go to stderr.
func Run(ctx context.Context, args []string, stderr io.Writer) int {
	a, err := parseArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "logmon", Output: stderr, Level: hclog.Info})
	logger = logger.With("task", a.cfg.Task)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The session leader has no terminal, but be explicit: a hang-up is
	// not a reason to stop writing a task's logs.
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)

	var copiers []*copier
	defer func() {
		for _, c := range copiers {
			c.close()
		}
	}()
	for _, s := range []struct {
		stream logs.Stream
		fifo   string
	}{{logs.Stdout, a.stdoutFifo}, {logs.Stderr, a.stderrFifo}} {
		c, err := newCopier(a.cfg, s.stream, s.fifo, logger)
		if err != nil {
			logger.Error("cannot start", "error", err)
			return 1
		}
		copiers = append(copiers, c)
	}
	for _, c := range copiers {
		go c.run()
	}
	if a.readyFD >= 0 {
		ready := os.NewFile(uintptr(a.readyFD), "ready")
		if _, err := ready.Write([]byte{1}); err != nil {
			logger.Warn("cannot report readiness", "error", err)
		}
		ready.Close()
	}
	logger.Info("copying task output", "stdout_fifo", a.stdoutFifo, "stderr_fifo", a.stderrFifo)

	<-ctx.Done()
	code := 0
	for _, c := range copiers {
		if err := c.stop(); err != nil {
			logger.Error("failed to flush logs", "stream", string(c.stream), "error", err)
			code = 1
		}
	}
	copiers = nil
	logger.Info("stopped")
	return code
}

// copier copies one FIFO into one Rotator.
type copier struct {
	stream logs.Stream
	fifo   *os.File
	rot    *logs.Rotator
	logger hclog.Logger
	done   chan struct{}
}

func newCopier(cfg Config, stream logs.Stream, path string, logger hclog.Logger) (*copier, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("%s fifo: %w", stream, err)
	}
	if fi.Mode()&fs.ModeNamedPipe == 0 {
		return nil, fmt.Errorf("%s fifo %s is not a FIFO", stream, path)
	}
	// Read-write: see the package doc.
	f, err := os.OpenFile(path, os.O_RDWR|noFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s fifo: %w", stream, err)
	}
	rot, err := logs.NewRotator(logs.RotatorConfig{
		Dir:              cfg.LogDir,
		Task:             cfg.Task,
		Stream:           stream,
		MaxFiles:         cfg.MaxFiles,
		MaxFileSizeBytes: int64(cfg.MaxFileSizeMB) << 20,
		Logger:           logger,
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &copier{stream: stream, fifo: f, rot: rot, logger: logger.With("stream", string(stream)), done: make(chan struct{})}, nil
}

// run copies until the FIFO's reads are interrupted by stop.
func (c *copier) run() {
	defer close(c.done)
	buf := make([]byte, copyBufSize)
	for {
		n, err := c.fifo.Read(buf)
		if n > 0 {
			c.write(buf[:n])
		}
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, os.ErrClosed) {
				c.logger.Error("read fifo", "error", err)
			}
			return
		}
	}
}

// write hands p to the rotator; a disk error loses p but never stops the
// copy, so the task never blocks on a full FIFO.
func (c *copier) write(p []byte) {
	if _, err := c.rot.Write(p); err != nil {
		c.logger.Error("write logs", "error", err)
	}
}

// stop interrupts run, copies what the FIFO still holds, and closes the
// rotator, flushing it.
func (c *copier) stop() error {
	if err := c.fifo.SetReadDeadline(time.Now()); err != nil {
		// Not pollable: closing is the only way to interrupt the read,
		// and what is left in the FIFO is lost.
		c.fifo.Close()
		<-c.done
	} else {
		<-c.done
		c.drain()
	}
	c.fifo.Close()
	return c.rot.Close()
}

// drain reads what the FIFO holds right now without blocking: the
// descriptor is non-blocking (Go's poller set it), so a raw read returns
// EAGAIN once the FIFO is empty.
func (c *copier) drain() {
	if err := c.fifo.SetReadDeadline(time.Time{}); err != nil {
		return
	}
	rc, err := c.fifo.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, copyBufSize)
	rc.Read(func(fd uintptr) bool {
		for {
			n, err := rawRead(fd, buf)
			if n > 0 {
				c.write(buf[:n])
			}
			if err != nil || n <= 0 {
				return true
			}
		}
	})
}

// close releases everything without draining (a failed start).
func (c *copier) close() {
	c.fifo.Close()
	c.rot.Close()
}
