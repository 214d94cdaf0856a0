package nomadish

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// applyAtomic applies one entry as a whole or not at all: its writes to
// the state store join one transaction (state.Batch) that commits only if
// every write succeeded, and the hooks it triggers (eval broker, periodic
// dispatcher, blocked evals) run only after that commit, so that they
// never hear of an evaluation, job or allocation the store did not keep.
// Before, a job registration whose evaluation the store refused kept the
// job and failed the entry: the servers agreed, but on a write its
// submitter was told had failed.
func (f *FSM) applyAtomic(msgType structs.MessageType, ignoreUnknown bool, buf []byte, index uint64) error {
	var hooks []func()
	f.committed = &hooks
	err := f.State().Batch(func() error {
		return f.applyRecovering(msgType, ignoreUnknown, buf, index)
	})
	f.committed = nil
	if err != nil {
		return err
	}
	for _, h := range hooks {
		f.runHook(msgType, index, h)
	}
	return nil
}

// afterCommit runs fn once the entry being applied commits, or now when
// no entry is being applied.
func (f *FSM) afterCommit(fn func()) {
	if f.committed == nil {
		fn()
		return
	}
	*f.committed = append(*f.committed, fn)
}

// runHook runs one hook of an applied entry. A hook that panics is a bug
// in the leader's bookkeeping, not in the entry, which stays applied: the
// panic is recovered and reported, and the server keeps applying the log.
func (f *FSM) runHook(msgType structs.MessageType, index uint64, h func()) {
	defer func() {
		if p := recover(); p != nil {
			panics.Recovered(f.logger, "fsm", fmt.Sprintf("hook of %s at index %d", msgType, index), p)
		}
	}()
	h()
}
