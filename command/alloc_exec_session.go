package command

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/cli"
)

// Bounds of the CLI's side of an exec session.
const (
	execDialTimeout  = 30 * time.Second
	execSendTimeout  = 10 * time.Second
	execFrameLimit   = 1 << 20
	execStdinChunk   = 16 << 10
	execRefusalLimit = 64 << 10
)

// errEscaped is how a session the user left with the escape sequence
// ends.
var errEscaped = errors.New("session closed with the escape sequence")

// The exec endpoint's frames, as Nomad documents them (and nomadish's
// error frame).
type (
	execStreamFrame struct {
		Data  []byte `json:"data,omitempty"`
		Close bool   `json:"close,omitempty"`
	}
	execTTYSize struct {
		Height int `json:"height"`
		Width  int `json:"width"`
	}
	execInFrame struct {
		Stdin   *execStreamFrame `json:"stdin,omitempty"`
		TTYSize *execTTYSize     `json:"tty_size,omitempty"`
	}
	execOutFrame struct {
		Stdout *execStreamFrame `json:"stdout,omitempty"`
		Stderr *execStreamFrame `json:"stderr,omitempty"`
		Exited bool             `json:"exited,omitempty"`
		Result *struct {
			ExitCode int `json:"exit_code"`
		} `json:"result,omitempty"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error,omitempty"`
	}
)

// execSession is one run of a command over the exec endpoint.
type execSession struct {
	cmd    []string
	task   string
	tty    bool
	escape int // -1: none
	// query holds the general flags' region and namespace.
	query url.Values

	stdin          io.Reader // nil: no input
	stdout, stderr io.Writer
	// sizes, when set, sends the terminal's size on every change.
	sizes     <-chan execTTYSize
	stopSizes func()
}

// run dials the endpoint at base and streams until the command exits;
// it returns the command's exit code.
func (s *execSession) run(base string) (int, error) {
	js, err := json.Marshal(s.cmd)
	if err != nil {
		return 0, err
	}
	q := url.Values{}
	for k, v := range s.query {
		q[k] = v
	}
	q.Set("task", s.task)
	q.Set("tty", strconv.FormatBool(s.tty))
	q.Set("command", string(js))
	d := websocket.Dialer{HandshakeTimeout: execDialTimeout, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.Dial(base+"?"+q.Encode(), nil)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, execRefusalLimit))
			resp.Body.Close()
			msg := strings.TrimSpace(string(body))
			if msg == "" {
				msg = resp.Status
			}
			return 0, fmt.Errorf("%s (HTTP %d)", msg, resp.StatusCode)
		}
		return 0, err
	}
	defer conn.Close()
	conn.SetReadLimit(execFrameLimit)
	if s.stopSizes != nil {
		defer s.stopSizes()
	}

	var wmu sync.Mutex // one writer at a time
	send := func(f *execInFrame) error {
		wmu.Lock()
		defer wmu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(execSendTimeout))
		return conn.WriteJSON(f)
	}
	done := make(chan struct{})
	defer close(done)
	if s.sizes != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case sz, ok := <-s.sizes:
					if !ok {
						return
					}
					_ = send(&execInFrame{TTYSize: &sz})
				}
			}
		}()
	}
	var escaped atomic.Bool
	if s.stdin == nil {
		if err := send(&execInFrame{Stdin: &execStreamFrame{Close: true}}); err != nil {
			return 0, fmt.Errorf("send to the agent: %w", err)
		}
	} else {
		go s.pumpStdin(send, func() {
			escaped.Store(true)
			conn.Close()
		})
	}

	errMsg := ""
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case escaped.Load():
				return 0, errEscaped
			case errMsg != "":
				return 0, errors.New(errMsg)
			case errors.As(err, &ce) && ce.Text != "":
				return 0, fmt.Errorf("the agent closed the session before the command exited: %s", ce.Text)
			}
			return 0, fmt.Errorf("the session broke off before the command exited: %w", err)
		}
		var f execOutFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			return 0, fmt.Errorf("the agent sent an invalid exec frame: %w", err)
		}
		if f.Stdout != nil && len(f.Stdout.Data) > 0 {
			if _, err := s.stdout.Write(f.Stdout.Data); err != nil {
				return 0, fmt.Errorf("write the command's output: %w", err)
			}
		}
		if f.Stderr != nil && len(f.Stderr.Data) > 0 {
			if _, err := s.stderr.Write(f.Stderr.Data); err != nil {
				return 0, fmt.Errorf("write the command's error output: %w", err)
			}
		}
		if f.Error != nil {
			errMsg = f.Error.Message
		}
		if f.Exited {
			code := 0
			if f.Result != nil {
				code = f.Result.ExitCode
			}
			return code, nil
		}
	}
}

// pumpStdin sends stdin to the command until it ends, then closes the
// command's stdin. With a terminal, the escape sequence calls quit.
func (s *execSession) pumpStdin(send func(*execInFrame) error, quit func()) {
	esc := &escapeFilter{esc: -1, atLineStart: true}
	if s.tty {
		esc.esc = s.escape
	}
	buf := make([]byte, execStdinChunk)
	for {
		n, err := s.stdin.Read(buf)
		if n > 0 {
			data, leave := esc.filter(buf[:n])
			if len(data) > 0 {
				if send(&execInFrame{Stdin: &execStreamFrame{Data: data}}) != nil {
					return
				}
			}
			if leave {
				quit()
				return
			}
		}
		if err != nil {
			_ = send(&execInFrame{Stdin: &execStreamFrame{Close: true}})
			return
		}
	}
}

// escapeFilter passes input through, except that at the start of a line
// the escape character followed by '.' means leave, and typed twice
// stands for itself.
type escapeFilter struct {
	esc         int // -1: no escapes
	atLineStart bool
	pending     bool
}

func (e *escapeFilter) filter(p []byte) (out []byte, leave bool) {
	if e.esc < 0 {
		return p, false
	}
	out = make([]byte, 0, len(p))
	for _, b := range p {
		switch {
		case e.pending:
			e.pending = false
			if b == '.' {
				return out, true
			}
			if int(b) != e.esc {
				out = append(out, byte(e.esc))
			}
			out = append(out, b)
		case e.atLineStart && int(b) == e.esc:
			e.pending = true
			continue
		default:
			out = append(out, b)
		}
		e.atLineStart = b == '\r' || b == '\n'
	}
	return out, false
}

// errorWriter is where the command's stderr goes: the Ui's error writer
// when it has one, else os.Stderr.
func (c *AllocExecCommand) errorWriter() io.Writer {
	switch u := c.Ui.(type) {
	case *cli.BasicUi:
		if u.ErrorWriter != nil {
			return u.ErrorWriter
		}
	case *cli.MockUi:
		return u.ErrorWriter
	}
	return os.Stderr
}

func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
