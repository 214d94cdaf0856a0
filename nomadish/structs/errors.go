package structs

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors shared by the server, the HTTP layer and the CLI. Their
// text crosses the RPC boundary as a string, so callers on the far side
// compare with the helpers below rather than errors.Is.
var (
	// ErrNoLeader is returned when the region has no Raft leader within
	// the request's bounded wait.
	ErrNoLeader = errors.New("No cluster leader")

	// ErrNotFound marks a lookup of an object that does not exist.
	ErrNotFound = errors.New("not found")

	// ErrUnknownRegion is wrapped with the region asked for and the
	// regions known.
	ErrUnknownRegion = errors.New("unknown region")

	// ErrRegionUnreachable is a request for a known region none of whose
	// servers answered in time; it is wrapped with the region and why.
	ErrRegionUnreachable = errors.New("region unreachable")

	// ErrConflict marks a write refused because the caller's view is stale,
	// such as a job registration whose check-index does not match.
	ErrConflict = errors.New("conflict")

	// ErrPermissionDenied is reserved for access control.
	ErrPermissionDenied = errors.New("Permission denied")
)

// IsErrNoLeader reports whether err (possibly carried over RPC as text) is
// ErrNoLeader.
func IsErrNoLeader(err error) bool { return errorHasText(err, ErrNoLeader) }

// IsErrUnknownRegion reports whether err is an unknown-region error.
func IsErrUnknownRegion(err error) bool { return errorHasText(err, ErrUnknownRegion) }

// IsErrRegionUnreachable reports whether err is a region that could not
// be reached.
func IsErrRegionUnreachable(err error) bool { return errorHasText(err, ErrRegionUnreachable) }

// IsErrConflict reports whether err is a stale-view conflict.
func IsErrConflict(err error) bool { return errorHasText(err, ErrConflict) }

// IsErrNotFound reports whether err is a not-found error.
func IsErrNotFound(err error) bool { return errorHasText(err, ErrNotFound) }

func errorHasText(err, target error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, target) || strings.Contains(err.Error(), target.Error())
}

// ValidationError collects every problem found in a user's input, each
// with the field path it concerns, so that one round trip reports them all.
type ValidationError struct {
	Problems []FieldError
}

// FieldError is one problem at one field path, such as
// `TaskGroups[0].Tasks[1].Resources.MemoryMB: must be at least 10`.
type FieldError struct {
	Path    string
	Message string
}

func (f FieldError) String() string {
	if f.Path == "" {
		return f.Message
	}
	return f.Path + ": " + f.Message
}

func (v *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d validation error", len(v.Problems))
	if len(v.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for _, p := range v.Problems {
		b.WriteString("\n  * ")
		b.WriteString(p.String())
	}
	return b.String()
}

// IsValidationError reports whether err carries user input problems, either
// as a *ValidationError or as its text after crossing RPC.
func IsValidationError(err error) bool {
	if err == nil {
		return false
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return true
	}
	return strings.Contains(err.Error(), "validation error")
}

// validator accumulates problems under a path prefix.
type validator struct {
	problems *[]FieldError
	prefix   string
}

func newValidator() validator {
	return validator{problems: new([]FieldError)}
}

// at returns a validator for a nested field.
func (v validator) at(field string) validator {
	p := field
	if v.prefix != "" {
		if strings.HasPrefix(field, "[") {
			p = v.prefix + field
		} else {
			p = v.prefix + "." + field
		}
	}
	return validator{problems: v.problems, prefix: p}
}

// index returns a validator for element i of a list field.
func (v validator) index(field string, i int) validator {
	return v.at(fmt.Sprintf("%s[%d]", field, i))
}

// fail records a problem at field (relative to the validator's prefix).
func (v validator) fail(field, format string, args ...interface{}) {
	path := v.prefix
	if field != "" {
		path = v.at(field).prefix
	}
	*v.problems = append(*v.problems, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v validator) err() error {
	if len(*v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: *v.problems}
}
