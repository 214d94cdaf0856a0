package plugin

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	// ErrTaskNotFound is a task ID (or handle) the driver does not hold.
	ErrTaskNotFound = errors.New("task not found")
	// ErrTaskExists is a StartTask for an ID the driver already holds.
	ErrTaskExists = errors.New("task already exists")
	// ErrTaskRunning is a DestroyTask without force on a running task.
	ErrTaskRunning = errors.New("task is still running")
	// ErrNotSupported is an ability the driver does not have (exec,
	// signals); Capabilities says which ones it has.
	ErrNotSupported = errors.New("not supported by this driver")
	// ErrPluginShutdown is the plugin process going away mid-call.
	ErrPluginShutdown = errors.New("driver plugin shut down")
)

// RecoverableError is a StartTask failure worth a restart of the task, as
// opposed to one that will fail the same way every time.
type RecoverableError struct{ Err error }

// NewRecoverableError marks err as worth retrying.
func NewRecoverableError(err error) error { return &RecoverableError{Err: err} }

func (e *RecoverableError) Error() string { return e.Err.Error() }
func (e *RecoverableError) Unwrap() error { return e.Err }

// IsRecoverable reports whether err is, or wraps, a *RecoverableError.
func IsRecoverable(err error) bool {
	var re *RecoverableError
	return errors.As(err, &re)
}

// toStatus turns a driver error into a gRPC status the client side maps
// back with fromStatus, so errors.Is works across the process boundary.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Unknown
	switch {
	case errors.Is(err, ErrTaskNotFound):
		code = codes.NotFound
	case errors.Is(err, ErrTaskExists):
		code = codes.AlreadyExists
	case errors.Is(err, ErrTaskRunning):
		code = codes.FailedPrecondition
	case errors.Is(err, ErrNotSupported):
		code = codes.Unimplemented
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	return status.Error(code, err.Error())
}

// fromStatus is the inverse of toStatus. The message is the driver's; the
// sentinel is attached so callers can test it with errors.Is.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var sentinel error
	switch st.Code() {
	case codes.NotFound:
		sentinel = ErrTaskNotFound
	case codes.AlreadyExists:
		sentinel = ErrTaskExists
	case codes.FailedPrecondition:
		sentinel = ErrTaskRunning
	case codes.Unimplemented:
		sentinel = ErrNotSupported
	case codes.Canceled:
		sentinel = context.Canceled
	case codes.DeadlineExceeded:
		sentinel = context.DeadlineExceeded
	case codes.Unavailable:
		sentinel = ErrPluginShutdown
	default:
		return errors.New(st.Message())
	}
	return &remoteError{msg: st.Message(), sentinel: sentinel}
}

// remoteError is an error that crossed the gRPC boundary: the driver's
// message, unwrapping to the sentinel its status code stands for.
type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }
