package nomadish

import (
	"errors"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// errShutdown is returned to requests cut short by the server stopping.
var errShutdown = errors.New("server shutting down")

// remoteError is an error that crossed net/rpc as text. When the text is
// one of the shared sentinels it unwraps to it, so errors.Is works the
// same for in-process and network calls.
type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

// decodeRPCError turns a net/rpc error string back into an error.
func decodeRPCError(msg string) error {
	for _, sentinel := range []error{structs.ErrNoLeader, structs.ErrUnknownRegion, structs.ErrNotFound, structs.ErrPermissionDenied} {
		if msg == sentinel.Error() {
			return sentinel
		}
		if strings.HasPrefix(msg, sentinel.Error()) {
			return &remoteError{msg: msg, sentinel: sentinel}
		}
	}
	return &remoteError{msg: msg}
}
