package runtime

import (
	"fmt"
	"syscall"
	"time"
)

// Exit is how a container ended, as its monitor recorded it.
type Exit struct {
	// Code is the init's exit code; 128+signal when a signal killed it,
	// as shells report it.
	Code int `json:"code"`
	// Signal is the signal that killed the init, 0 if it exited.
	Signal int `json:"signal,omitempty"`
	// OOMKilled says the kernel's OOM killer killed a process of the
	// container's cgroup (its memory limit was reached).
	OOMKilled bool `json:"oom_killed,omitempty"`
	// Time is when the monitor saw the exit.
	Time time.Time `json:"time"`
	// Err is set when the container never ran (create or start failed)
	// or its status is unknown (ErrMonitorLost).
	Err string `json:"error,omitempty"`
}

// String describes the exit for a task event.
func (e *Exit) String() string {
	switch {
	case e.Err != "":
		return e.Err
	case e.OOMKilled:
		return fmt.Sprintf("OOM killed: the container reached its memory limit (exit code %d)", e.Code)
	case e.Signal != 0:
		return fmt.Sprintf("killed by signal %s (%d)", syscall.Signal(e.Signal), e.Signal)
	}
	return fmt.Sprintf("exited with code %d", e.Code)
}

// exitFromStatus is the Exit of a wait status.
func exitFromStatus(ws syscall.WaitStatus, now time.Time) Exit {
	switch {
	case ws.Exited():
		return Exit{Code: ws.ExitStatus(), Time: now}
	case ws.Signaled():
		return Exit{Code: 128 + int(ws.Signal()), Signal: int(ws.Signal()), Time: now}
	}
	return Exit{Code: -1, Time: now, Err: fmt.Sprintf("unexpected wait status %#x", uint32(ws))}
}
