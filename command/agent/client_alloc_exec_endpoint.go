package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Bounds on the command of an exec: how many arguments, and their total
// length in bytes.
const (
	maxExecArgs         = 1024
	maxExecCommandBytes = 64 << 10
)

// allocExecer is the ability of a localAlloc to run a command inside one
// of its running tasks. It is optional: a localAlloc without it answers
// exec requests 501.
type allocExecer interface {
	// CheckExec says whether ExecTask can run a command in task now; it
	// refuses with allocrunner.ErrUnknownTask, ErrTaskNotRunning or
	// plugin.ErrNotSupported (the driver cannot exec).
	CheckExec(ctx context.Context, task string) error
	// ExecTask runs cmd in task and returns its exit; cancelling ctx ends
	// the command, never the task.
	ExecTask(ctx context.Context, task string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error)
}

// execRequest is what GET /v1/client/allocation/:id/exec asks for.
type execRequest struct {
	task    string
	tty     bool
	command []string
}

// parseExecRequest reads ?task=&tty=&command= (a JSON array of strings),
// as Nomad's Exec Allocation endpoint takes them.
func parseExecRequest(r *http.Request) (*execRequest, error) {
	q := r.URL.Query()
	req := &execRequest{task: q.Get("task")}
	tty, err := boolParam(r, "tty")
	if err != nil {
		return nil, err
	}
	req.tty = tty
	if _, err := boolParam(r, "ws_handshake"); err != nil {
		return nil, err
	}
	raw := q.Get("command")
	if raw == "" {
		return nil, badRequest(`missing command: want ?command= a JSON array of strings, e.g. ["/bin/sh","-c","echo hi"]`)
	}
	if len(raw) > maxExecCommandBytes*2 {
		return nil, badRequest("command is %d bytes; at most %d are accepted", len(raw), maxExecCommandBytes*2)
	}
	if err := json.Unmarshal([]byte(raw), &req.command); err != nil {
		return nil, badRequest(`invalid command %.64q: want a JSON array of strings, e.g. ["/bin/sh","-c","echo hi"]: %v`, raw, err)
	}
	if err := checkExecCommand(req.command); err != nil {
		return nil, err
	}
	return req, nil
}

// checkExecCommand refuses an empty command, one too long, and arguments
// no process can be given (NUL bytes).
func checkExecCommand(cmd []string) error {
	if len(cmd) == 0 {
		return badRequest(`empty command: want at least the program to run, e.g. ["/bin/sh"]`)
	}
	if cmd[0] == "" {
		return badRequest("command[0] is empty: want the program to run")
	}
	if len(cmd) > maxExecArgs {
		return badRequest("command has %d arguments; at most %d are accepted", len(cmd), maxExecArgs)
	}
	total := 0
	for i, a := range cmd {
		if strings.IndexByte(a, 0) >= 0 {
			return badRequest("command[%d] contains a NUL byte, which no program can be passed", i)
		}
		total += len(a)
	}
	if total > maxExecCommandBytes {
		return badRequest("command is %d bytes long; at most %d are accepted", total, maxExecCommandBytes)
	}
	return nil
}

// checkExecAlloc refuses, before any proxying, an exec into a task the
// allocation does not have or into an allocation that no longer runs.
func checkExecAlloc(a *structs.Allocation, task string) error {
	if err := checkTask(a, task, false); err != nil {
		return err
	}
	if a != nil && a.ClientTerminalStatus() {
		return badRequest("allocation %s is %s: exec needs a running allocation", a.ID, a.ClientStatus)
	}
	return nil
}

// taskDriver is the driver of the named task of the allocation, or "".
func taskDriver(a *structs.Allocation, task string) string {
	if a == nil || a.Job == nil {
		return ""
	}
	if tg := a.Job.LookupTaskGroup(a.TaskGroup); tg != nil {
		for _, t := range tg.Tasks {
			if t.Name == task {
				return t.Driver
			}
		}
	}
	return ""
}

// execError maps what CheckExec and ExecTask refuse with onto statuses.
func execError(a *structs.Allocation, task string, err error) error {
	id := ""
	if a != nil {
		id = a.ID
	}
	switch {
	case errors.Is(err, plugin.ErrNotSupported):
		driver := taskDriver(a, task)
		if driver == "" {
			driver = "its driver"
		}
		return badRequest("task %q of allocation %s runs on driver %q, which does not support exec", task, id, driver)
	case errors.Is(err, allocrunner.ErrTaskNotRunning):
		return badRequest("task %q of allocation %s is not running: exec needs a running task", task, id)
	case errors.Is(err, allocrunner.ErrUnknownTask):
		return badRequest("%v: name one of the allocation's tasks with ?task=", err)
	}
	return err
}

// clientAllocExec answers GET /v1/client/allocation/:id/exec: after the
// checks it upgrades to a WebSocket carrying Nomad's exec frames
// (client_alloc_exec_session.go). Allocations on other nodes are proxied
// there, upgrade included.
func (s *HTTPServer) clientAllocExec(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if err := s.checkBrowserOrigin(r); err != nil {
		return nil, err
	}
	req, err := parseExecRequest(r)
	if err != nil {
		return nil, err
	}
	check := func(r *http.Request, a *structs.Allocation) error { return checkExecAlloc(a, req.task) }
	return s.onAlloc(check, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		ex, ok := la.(allocExecer)
		if !ok {
			return nil, &CodedError{Code: http.StatusNotImplemented, Msg: "this agent's client cannot exec into allocations"}
		}
		if err := ex.CheckExec(r.Context(), req.task); err != nil {
			return nil, execError(la.Alloc(), req.task, err)
		}
		s.serveExec(w, r, ex, req)
		return written{}, nil
	})(w, r)
}
