package taskrunner

import (
	"context"
	"errors"

	"github.com/nomadish/nomadish/client/taskenv"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// TaskHook is anything the runner calls at points of a task's life. Its
// name keys the state it persists in LocalTaskState.Hooks.
type TaskHook interface {
	Name() string
}

// TaskPrestartHook prepares a task before each start (and before a
// restored task is recovered).
type TaskPrestartHook interface {
	TaskHook
	Prestart(ctx context.Context, req *PrestartRequest) error
}

// TaskPoststartHook runs once the driver started or recovered the task.
type TaskPoststartHook interface {
	TaskHook
	Poststart(ctx context.Context, req *PoststartRequest) error
}

// TaskExitedHook runs after each exit of the task, before the restart
// decision.
type TaskExitedHook interface {
	TaskHook
	Exited(ctx context.Context) error
}

// TaskStopHook runs once the task is dead for good, and on Destroy.
type TaskStopHook interface {
	TaskHook
	Stop(ctx context.Context, req *StopRequest) error
}

// Setup is what the prestart hooks build for StartTask. Only the runner's
// own goroutine touches it.
type Setup struct {
	Task  *structs.Task
	Alloc *structs.Allocation
	// Driver is the task's driver, fetched by the validate hook.
	Driver       plugin.DriverPlugin
	Capabilities *plugin.Capabilities
	TaskDir      plugin.TaskDir
	Env          *taskenv.Env
	// DriverConfig is the interpolated config block as a JSON object.
	DriverConfig []byte
	StdoutPath   string
	StderrPath   string
	// Mounts are the task's host volumes, resolved by the volumes hook.
	Mounts []plugin.MountConfig
}

// PrestartRequest is a prestart hook's view of the task.
type PrestartRequest struct {
	Setup *Setup
	// HookState is what the hook persisted last (nil if nothing); a hook
	// sets it to persist something new.
	HookState []byte
	// Restoring is set when the task is about to be recovered rather than
	// started.
	Restoring bool
}

// PoststartRequest names the running task.
type PoststartRequest struct {
	TaskID string
	Driver plugin.DriverPlugin
}

// StopRequest carries the hook's persisted state, for a hook that did not
// run Prestart in this agent's life.
type StopRequest struct {
	HookState []byte
}

// SetupError is a prestart failure and the type of the task event that
// tells the user about it.
type SetupError struct {
	EventType string
	Err       error
}

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

// setupError returns a SetupError; recoverable wraps err so that the
// restart policy retries (plugin.IsRecoverable).
func setupError(eventType string, err error, recoverable bool) error {
	if recoverable {
		err = plugin.NewRecoverableError(err)
	}
	return &SetupError{EventType: eventType, Err: err}
}

// setupEventType is the event type for a prestart failure.
func setupEventType(err error) string {
	var se *SetupError
	if errors.As(err, &se) && se.EventType != "" {
		return se.EventType
	}
	return EventSetupFailure
}
