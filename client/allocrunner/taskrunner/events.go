package taskrunner

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Task event types, as Nomad names them (TaskEvent.Type).
const (
	EventReceived               = "Received"
	EventTaskSetup              = "Task Setup"
	EventDriver                 = "Driver"
	EventStarted                = "Started"
	EventTerminated             = "Terminated"
	EventRestarting             = "Restarting"
	EventNotRestarting          = "Not Restarting"
	EventKilling                = "Killing"
	EventKilled                 = "Killed"
	EventDriverFailure          = "Driver Failure"
	EventFailedValidation       = "Failed Validation"
	EventDownloadingArtifacts   = "Downloading Artifacts"
	EventArtifactDownloadFailed = "Failed Artifact Download"
	EventRestartSignal          = "Restart Signaled"
	EventSignaling              = "Signaling"
	EventSiblingFailed          = "Sibling Task Failed"
	EventLeaderDead             = "Leader Task Dead"
	EventMainDead               = "Main Tasks Dead"
	EventSetupFailure           = "Setup Failure"
	// EventTemplateScript reports a template's change_script run.
	EventTemplateScript = "Template Change Script"
	// EventWaitingShutdownDelay is recorded when a stopped task waits its
	// own or its group's shutdown_delay before it is sent its kill_signal.
	EventWaitingShutdownDelay = "Waiting for shutdown delay"
	// EventMaxRunDurationExceeded is recorded when a task is killed for
	// running past its max_run_duration (a nomadish extension).
	EventMaxRunDurationExceeded = "Max Run Duration Exceeded"
)

// maxEvents is how many events a task state keeps, newest last, as Nomad
// does.
const maxEvents = 10

// NewEvent returns an event of type typ with message msg (also its
// DisplayMessage). Time is set when the event is recorded.
func NewEvent(typ, msg string) *structs.TaskEvent {
	return &structs.TaskEvent{Type: typ, Message: msg, DisplayMessage: msg, Details: map[string]string{}}
}

// failing marks ev as one that fails the task.
func failing(ev *structs.TaskEvent) *structs.TaskEvent {
	ev.FailsTask = true
	ev.Details["fails_task"] = "true"
	return ev
}

func terminatedEvent(exitCode, signal int, oom bool, errMsg string) *structs.TaskEvent {
	msg := fmt.Sprintf("Exit Code: %d", exitCode)
	if signal != 0 {
		msg += fmt.Sprintf(", Signal: %d", signal)
	}
	if oom {
		msg += ", OOM Killed"
	}
	if errMsg != "" {
		msg += ", Exit Message: " + errMsg
	}
	ev := NewEvent(EventTerminated, msg)
	ev.ExitCode = exitCode
	ev.Signal = signal
	ev.Details["exit_code"] = fmt.Sprint(exitCode)
	ev.Details["signal"] = fmt.Sprint(signal)
	if oom {
		ev.Details["oom_killed"] = "true"
	}
	if errMsg != "" {
		ev.Details["exit_message"] = errMsg
	}
	return ev
}

func killingEvent(timeout time.Duration) *structs.TaskEvent {
	ev := NewEvent(EventKilling, fmt.Sprintf("Sent interrupt. Waiting %s before force killing", timeout))
	ev.Details["kill_timeout"] = timeout.String()
	return ev
}

func restartingEvent(delay time.Duration, reason string) *structs.TaskEvent {
	ev := NewEvent(EventRestarting, fmt.Sprintf("Task restarting in %s", delay))
	ev.Details["restart_delay"] = delay.String()
	if reason != "" {
		ev.Details["restart_reason"] = reason
	}
	return ev
}

// SiblingFailedEvent is the event of a task killed because sibling
// failed.
func SiblingFailedEvent(sibling string) *structs.TaskEvent {
	ev := NewEvent(EventSiblingFailed, fmt.Sprintf("Task's sibling %q failed", sibling))
	ev.Details["failed_sibling"] = sibling
	return ev
}

// LeaderDeadEvent is the event of a task killed because the group's
// leader task died.
func LeaderDeadEvent() *structs.TaskEvent {
	return NewEvent(EventLeaderDead, "Leader Task in Group dead")
}

// MainDeadEvent is the event of a sidecar killed because the group's main
// tasks are dead.
func MainDeadEvent() *structs.TaskEvent {
	return NewEvent(EventMainDead, "Main tasks in the group died")
}

func copyEvent(e *structs.TaskEvent) *structs.TaskEvent {
	c := *e
	c.Details = make(map[string]string, len(e.Details))
	for k, v := range e.Details {
		c.Details[k] = v
	}
	return &c
}
