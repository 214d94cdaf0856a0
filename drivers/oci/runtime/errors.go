package runtime

import "errors"

var (
	// ErrNotFound is returned by Recover when no state directory exists
	// for the container id.
	ErrNotFound = errors.New("container not found")

	// ErrExists is returned by Start when the container id is in use.
	ErrExists = errors.New("container already exists")

	// ErrNotRunning is returned by Kill and Exec when the container has
	// exited.
	ErrNotRunning = errors.New("container is not running")

	// ErrMonitorLost is in Exit.Err when the monitor died before writing
	// the exit status (it was killed): the container's exit code is
	// unknown.
	ErrMonitorLost = errors.New("container monitor exited without writing an exit status")
)
