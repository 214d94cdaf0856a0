package plugin

import (
	"context"
	"io"
	"time"
)

// ProtocolVersion is the version of the driver protocol this package
// speaks. It is also go-plugin's handshake protocol version, so a client and
// a plugin built against different versions refuse each other at launch.
const ProtocolVersion = 1

// DriverPlugin is a task driver. Every method maps onto one RPC of the
// Driver gRPC service; see website/driver-plugins.md for the lifecycle.
// Task methods return ErrTaskNotFound for an ID the driver does not hold.
type DriverPlugin interface {
	PluginInfo(ctx context.Context) (*PluginInfo, error)
	ConfigSchema(ctx context.Context) (*ConfigSchema, error)
	// SetConfig hands the driver its plugin config as a JSON object.
	SetConfig(ctx context.Context, config []byte) error
	// Fingerprint sends the driver's health at once and then on every
	// change until ctx is done, when the channel is closed.
	Fingerprint(ctx context.Context) (<-chan *Fingerprint, error)
	Capabilities(ctx context.Context) (*Capabilities, error)

	// StartTask starts a task and returns the handle the client keeps to
	// recover it. A failure worth retrying is a *RecoverableError.
	StartTask(ctx context.Context, cfg *TaskConfig) (*TaskHandle, error)
	// WaitTask blocks until the task exits or ctx is done.
	WaitTask(ctx context.Context, taskID string) (*ExitResult, error)
	// StopTask sends signal (the driver's default when empty), waits up to
	// timeout for the task to exit and then kills it. It returns once the
	// task has exited.
	StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error
	// DestroyTask forgets a task and frees its resources. A running task is
	// refused with ErrTaskRunning unless force is set, when it is killed.
	DestroyTask(ctx context.Context, taskID string, force bool) error
	InspectTask(ctx context.Context, taskID string) (*TaskStatus, error)
	// RecoverTask re-attaches to the task a handle describes, after a
	// client or plugin restart. A task that is gone is ErrTaskNotFound.
	RecoverTask(ctx context.Context, handle *TaskHandle) error
	// TaskStats sends the task's resource usage every interval until ctx
	// is done or the task is destroyed, when the channel is closed.
	TaskStats(ctx context.Context, taskID string, interval time.Duration) (<-chan *TaskResourceUsage, error)
	// TaskEvents sends events about any of the driver's tasks until ctx
	// is done, when the channel is closed.
	TaskEvents(ctx context.Context) (<-chan *TaskEvent, error)
	SignalTask(ctx context.Context, taskID string, signal string) error
	// ExecTask runs cmd in the task's context with the given stdio and
	// returns its exit. Drivers without exec return ErrNotSupported.
	ExecTask(ctx context.Context, taskID string, cmd []string, stdio ExecStdio) (*ExitResult, error)
}

// ExecStdio is the standard input and output of an exec'd command. Stdin
// may be nil (no input); Stdout and Stderr must not be. Resize, with TTY,
// carries the terminal's new sizes; nil means it never changes. A driver
// reads it until the exec ends or it is closed, and may ignore it.
type ExecStdio struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	TTY    bool
	Resize <-chan TerminalSize
}

// TerminalSize is a terminal's size in characters; both are at least 1.
type TerminalSize struct {
	Height, Width uint16
}
