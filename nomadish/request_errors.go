package nomadish

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// invalid is a user mistake in a request, at a field path. It crosses RPC
// as a validation error, which the HTTP API answers with 400.
func invalid(path, format string, args ...interface{}) error {
	return &structs.ValidationError{Problems: []structs.FieldError{{Path: path, Message: fmt.Sprintf(format, args...)}}}
}

// jobNotFound is the error for a job that does not exist (HTTP 404).
func jobNotFound(ns, id string) error {
	return fmt.Errorf("job %q in namespace %q: %w", id, ns, structs.ErrNotFound)
}
