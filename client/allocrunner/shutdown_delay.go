package allocrunner

import "github.com/nomadish/nomadish/nomadish/structs"

// A stop of the allocation waits the group's shutdown_delay, then each
// task its own (run.go's kill). Neither is waited, and one being waited is
// cut short, once skipShutdownDelays was called: when the allocation is
// destroyed (nothing waits on tasks being garbage collected), or when the
// server asks for it with DesiredTransition.NoShutdownDelay (`alloc stop
// -no-shutdown-delay`), which arrives with the stop itself.

// skipShutdownDelays makes the group's and every task's shutdown_delay
// be skipped from now on. Safe to call more than once.
func (ar *AllocRunner) skipShutdownDelays() {
	ar.skipDelayOnce.Do(func() {
		close(ar.skipDelayCh)
		for _, n := range ar.names {
			ar.tasks[n].SkipShutdownDelay()
		}
	})
}

// delaysSkipped reports whether skipShutdownDelays was called.
func (ar *AllocRunner) delaysSkipped() bool {
	select {
	case <-ar.skipDelayCh:
		return true
	default:
		return false
	}
}

// noteTransition applies what the server's desired transition of a asks
// of the client itself.
func (ar *AllocRunner) noteTransition(a *structs.Allocation) {
	if a.DesiredTransition.NoShutdownDelay {
		ar.logger.Debug("the server asked for no shutdown delay")
		ar.skipShutdownDelays()
	}
}
