package template

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Change modes, as Nomad names them: what the client does once a
// template's rendered content changes while the task runs.
const (
	ChangeModeNoop    = "noop"
	ChangeModeRestart = "restart"
	ChangeModeSignal  = "signal"
	ChangeModeScript  = "script"
)

// Check validates the arguments of a template block that the client
// reads, so that a template the servers let through with a bad value
// fails the task's setup with the reason instead of being half applied.
// Errors wrap ErrInvalid and name the argument as written in the job.
func Check(t *structs.Template) error {
	if t.DestPath == "" {
		return fmt.Errorf("%w: destination is required", ErrInvalid)
	}
	switch t.ChangeMode {
	case "", ChangeModeNoop, ChangeModeRestart:
	case ChangeModeSignal:
		if t.ChangeSignal == "" {
			return fmt.Errorf("%w: change_mode = %q needs change_signal, such as \"SIGHUP\"", ErrInvalid, t.ChangeMode)
		}
	case ChangeModeScript:
		if t.ChangeScript == nil || t.ChangeScript.Command == "" {
			return fmt.Errorf("%w: change_mode = %q needs change_script { command = \"...\" }", ErrInvalid, t.ChangeMode)
		}
	default:
		return fmt.Errorf("%w: change_mode %q: want %q, %q, %q or %q", ErrInvalid, t.ChangeMode,
			ChangeModeNoop, ChangeModeRestart, ChangeModeSignal, ChangeModeScript)
	}
	if cs := t.ChangeScript; cs != nil && cs.Timeout < 0 {
		return fmt.Errorf("%w: change_script > timeout must not be negative, got %s", ErrInvalid, cs.Timeout)
	}
	if t.Splay < 0 {
		return fmt.Errorf("%w: splay must not be negative, got %s", ErrInvalid, t.Splay)
	}
	if w := t.Wait; w != nil {
		if w.Min != nil && *w.Min < 0 {
			return fmt.Errorf("%w: wait > min must not be negative, got %s", ErrInvalid, *w.Min)
		}
		if w.Max != nil && *w.Max < 0 {
			return fmt.Errorf("%w: wait > max must not be negative, got %s", ErrInvalid, *w.Max)
		}
		if w.Min != nil && w.Max != nil && *w.Max < *w.Min {
			return fmt.Errorf("%w: wait > max (%s) must be at least min (%s)", ErrInvalid, *w.Max, *w.Min)
		}
	}
	if t.EmbeddedTmpl != "" && t.SourcePath != "" {
		return fmt.Errorf("%w: set data or source, not both", ErrInvalid)
	}
	return nil
}
