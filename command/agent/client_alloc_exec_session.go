package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// Bounds of an exec session: the largest frame a caller may send, the
// most output bytes one frame carries, how long one frame may take to
// reach the caller, and how often the caller is pinged so that one that
// went away unseen ends the command.
const (
	execReadLimit    = 256 << 10
	execOutputChunk  = 32 << 10
	execWriteTimeout = 10 * time.Second
	execPingInterval = 15 * time.Second
	// execIdleTimeout is how long the session waits for any frame or
	// pong from the caller before taking it for gone.
	execIdleTimeout = 2*execPingInterval + execWriteTimeout
	// execStdinQueue is how many stdin frames wait for the command to
	// read them before the session stops reading from the caller.
	execStdinQueue = 16
	// execResizeQueue is how many terminal sizes wait for the driver;
	// past it the oldest is dropped (only the newest size matters).
	execResizeQueue = 4
	// maxCloseReason is what a WebSocket close frame has room for.
	maxCloseReason = 123
)

// errCallerGone is the command's stdin error once the caller has gone.
var errCallerGone = errors.New("the exec caller disconnected")

// execInFrame is a frame from the caller: stdin data or its end, or the
// terminal's size. Other fields (Nomad's ws_handshake auth frame) are
// ignored: there are no ACL tokens to check.
type execInFrame struct {
	Stdin   *execStreamFrame `json:"stdin,omitempty"`
	TTYSize *execTTYSize     `json:"tty_size,omitempty"`
}

// execStreamFrame is a chunk of one stream; Data is base64 on the wire.
type execStreamFrame struct {
	Data  []byte `json:"data,omitempty"`
	Close bool   `json:"close,omitempty"`
}

type execTTYSize struct {
	Height int `json:"height"`
	Width  int `json:"width"`
}

// execOutFrame is a frame to the caller: output, the command's exit, or
// (nomadish's addition) the error that ended the session.
type execOutFrame struct {
	Stdout *execStreamFrame `json:"stdout,omitempty"`
	Stderr *execStreamFrame `json:"stderr,omitempty"`
	Exited bool             `json:"exited,omitempty"`
	Result *execExitResult  `json:"result,omitempty"`
	Error  *execErrorFrame  `json:"error,omitempty"`
}

type execExitResult struct {
	ExitCode int `json:"exit_code"`
}

type execErrorFrame struct {
	Message string `json:"message"`
}

// execSession is one upgraded exec connection.
type execSession struct {
	conn   *websocket.Conn
	cancel context.CancelFunc

	wmu sync.Mutex // serialises writes to conn (one writer at a time)

	// endMu guards ended: the first of fail and close ends the session,
	// and what ends it is what the caller is told.
	endMu sync.Mutex
	ended bool
}

// serveExec upgrades the request and runs the command until it exits or
// the caller goes away. The upgrader answers a request that is not a
// WebSocket handshake itself.
func (s *HTTPServer) serveExec(w http.ResponseWriter, r *http.Request, ex allocExecer, req *execRequest) {
	up := websocket.Upgrader{HandshakeTimeout: execWriteTimeout, ReadBufferSize: 4 << 10, WriteBufferSize: 4 << 10,
		// clientAllocExec checked the origin (checkBrowserOrigin), by the
		// agent's own rules and before a proxy hop dropped it.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, fmt.Sprintf("exec needs a WebSocket upgrade request: %v", reason), status)
		}}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.logger.Debug("exec upgrade refused", "path", r.URL.Path, "error", err)
		return
	}
	defer conn.Close()
	conn.SetReadLimit(execReadLimit)
	conn.SetReadDeadline(time.Now().Add(execIdleTimeout))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(execIdleTimeout)) })
	// The request's context is not cancelled once the connection is
	// hijacked: the session's reader cancels it when the caller goes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &execSession{conn: conn, cancel: cancel}

	stdinR, stdinW := io.Pipe()
	queue := make(chan []byte, execStdinQueue)
	var resize chan plugin.TerminalSize // without a terminal, sizes are dropped
	if req.tty {
		resize = make(chan plugin.TerminalSize, execResizeQueue)
	}
	go e.feedStdin(ctx, queue, stdinW)
	go e.readInput(ctx, queue, resize, stdinW)
	go e.ping(ctx)

	res, err := ex.ExecTask(ctx, req.task, req.command, plugin.ExecStdio{
		Stdin: stdinR, Stdout: execOutput{e, false}, Stderr: execOutput{e, true}, TTY: req.tty, Resize: resize})
	stdinR.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		if ctx.Err() != nil {
			s.logger.Debug("exec ended: caller gone", "path", r.URL.Path, "error", err)
			return
		}
		s.logger.Warn("exec failed", "path", r.URL.Path, "task", req.task, "error", err)
		e.fail(websocket.CloseInternalServerErr, fmt.Sprintf("exec in task %q failed: %v", req.task, err))
		return
	}
	if err := e.send(&execOutFrame{Exited: true, Result: &execExitResult{ExitCode: exitCode(res)}}); err != nil {
		return
	}
	e.close(websocket.CloseNormalClosure, "")
}

// exitCode is the shell's view of an exit: 128+N for a signal N.
func exitCode(res *plugin.ExitResult) int {
	switch {
	case res == nil:
		return 0
	case res.ExitCode == 0 && res.Signal > 0:
		return 128 + res.Signal
	}
	return res.ExitCode
}

// readInput reads the caller's frames until it goes away or the session
// ends, queueing stdin for feedStdin and terminal sizes on resize (nil
// without a terminal: sizes are then checked and dropped). It is resize's
// only sender and closes it when it returns. A slow driver never holds up
// stdin: a size that finds resize full replaces the oldest waiting one.
func (e *execSession) readInput(ctx context.Context, queue chan<- []byte, resize chan plugin.TerminalSize, stdin *io.PipeWriter) {
	defer e.cancel()
	if resize != nil {
		defer close(resize)
	}
	closed := false
	for {
		_, msg, err := e.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				e.close(websocket.CloseMessageTooBig, fmt.Sprintf("frame over %d bytes", execReadLimit))
			}
			if !closed {
				stdin.CloseWithError(errCallerGone)
			}
			return
		}
		e.conn.SetReadDeadline(time.Now().Add(execIdleTimeout))
		var f execInFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			// Told first: the command, its stdin closed, fails, and
			// that failure must not be what the caller hears.
			e.fail(websocket.CloseInvalidFramePayloadData,
				fmt.Sprintf(`invalid exec frame: %v; want {"stdin":{"data":"<base64>"}}, {"stdin":{"close":true}} or {"tty_size":{"height":H,"width":W}}`, err))
			stdin.CloseWithError(errCallerGone)
			return
		}
		if f.TTYSize != nil {
			h, w := f.TTYSize.Height, f.TTYSize.Width
			sz, ok := plugin.ValidTerminalSize(int64(h), int64(w))
			switch {
			case ok:
				if resize != nil {
					plugin.OfferResize(resize, sz)
				}
			case h < 0 || w < 0 || h > math.MaxUint16 || w > math.MaxUint16:
				e.fail(websocket.CloseInvalidFramePayloadData,
					fmt.Sprintf(`invalid exec frame: tty_size height %d, width %d: each must be 1..65535`, h, w))
				stdin.CloseWithError(errCallerGone)
				return
			default:
				// A zero is what a terminal nobody has sized reports
				// (the CLI sends what it reads): the size is unknown,
				// not wrong, so the terminal keeps its size.
			}
		}
		if f.Stdin == nil || closed {
			continue
		}
		if len(f.Stdin.Data) > 0 {
			select {
			case queue <- f.Stdin.Data:
			case <-ctx.Done():
				return
			}
		}
		if f.Stdin.Close {
			closed = true
			select {
			case queue <- nil: // end of stdin, after what is queued
			case <-ctx.Done():
				return
			}
		}
	}
}

// feedStdin writes the queued stdin to the command; a nil chunk closes
// it.
func (e *execSession) feedStdin(ctx context.Context, queue <-chan []byte, stdin *io.PipeWriter) {
	for {
		select {
		case <-ctx.Done():
			stdin.CloseWithError(errCallerGone)
			return
		case data := <-queue:
			if data == nil {
				stdin.Close()
				return
			}
			if _, err := stdin.Write(data); err != nil {
				// The command closed its stdin or ended; drop the
				// rest.
				return
			}
		}
	}
}

// ping keeps the connection checked: a caller that vanished without
// closing makes a ping fail, or leaves it unanswered until the read
// deadline passes; either ends the command.
func (e *execSession) ping(ctx context.Context) {
	t := time.NewTicker(execPingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(execWriteTimeout)); err != nil {
				e.cancel()
				return
			}
		}
	}
}

// send writes one frame; a caller that does not take it in time ends the
// session.
func (e *execSession) send(f *execOutFrame) error {
	buf, err := encodeFrame(f)
	if err != nil {
		return err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	e.conn.SetWriteDeadline(time.Now().Add(execWriteTimeout))
	if err := e.conn.WriteMessage(websocket.TextMessage, buf); err != nil {
		e.cancel()
		return fmt.Errorf("send to the exec caller: %w", err)
	}
	return nil
}

// fail tells the caller what ended the session, in an error frame and in
// the close frame's reason (which has room for 123 bytes only).
func (e *execSession) fail(code int, msg string) {
	e.endMu.Lock()
	defer e.endMu.Unlock()
	if e.ended {
		return
	}
	e.ended = true
	if e.send(&execOutFrame{Error: &execErrorFrame{Message: msg}}) != nil {
		return
	}
	e.writeClose(code, msg)
}

func (e *execSession) close(code int, reason string) {
	e.endMu.Lock()
	defer e.endMu.Unlock()
	if e.ended {
		return
	}
	e.ended = true
	e.writeClose(code, reason)
}

func (e *execSession) writeClose(code int, reason string) {
	if len(reason) > maxCloseReason {
		reason = strings.ToValidUTF8(reason[:maxCloseReason-3], "") + "..."
	}
	_ = e.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(execWriteTimeout))
}

// execOutput is the command's stdout or stderr, sent as frames of at
// most execOutputChunk bytes.
type execOutput struct {
	e      *execSession
	stderr bool
}

func (o execOutput) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := p
		if len(chunk) > execOutputChunk {
			chunk = chunk[:execOutputChunk]
		}
		sf := &execStreamFrame{Data: chunk}
		f := &execOutFrame{Stdout: sf}
		if o.stderr {
			f = &execOutFrame{Stderr: sf}
		}
		if err := o.e.send(f); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}
