package taskrunner

import (
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// appendEventLocked records ev in the task's state as Nomad does: a
// Restarting event counts a restart and an event that fails the task
// marks it failed.
func (tr *TaskRunner) appendEventLocked(ev *structs.TaskEvent) {
	if ev.Time == 0 {
		ev.Time = tr.clock.Now().UnixNano()
	}
	if ev.Details == nil {
		ev.Details = map[string]string{}
	}
	if ev.FailsTask {
		tr.state.Failed = true
	}
	if ev.Type == EventRestarting {
		tr.state.Restarts++
		tr.state.LastRestart = time.Unix(0, ev.Time).UTC()
	}
	tr.state.Events = append(tr.state.Events, ev)
	if n := len(tr.state.Events); n > maxEvents {
		tr.state.Events = append([]*structs.TaskEvent(nil), tr.state.Events[n-maxEvents:]...)
	}
}

// setStateLocked moves the task to st, recording ev first when not nil.
func (tr *TaskRunner) setStateLocked(st string, ev *structs.TaskEvent) {
	if ev != nil {
		tr.appendEventLocked(ev)
	}
	now := tr.clock.Now().UTC()
	switch st {
	case structs.TaskStateRunning:
		if tr.state.State != structs.TaskStateRunning {
			tr.state.StartedAt = now
		}
	case structs.TaskStateDead:
		if tr.state.FinishedAt.IsZero() {
			tr.state.FinishedAt = now
		}
	}
	tr.state.State = st
}

// emitEvent records ev, persists the state and reports the change.
func (tr *TaskRunner) emitEvent(ev *structs.TaskEvent) {
	tr.mu.Lock()
	tr.appendEventLocked(ev)
	tr.persistLocked()
	tr.mu.Unlock()
	tr.notify()
}

// setState moves the task to st (recording ev first when not nil),
// persists the state and reports the change.
func (tr *TaskRunner) setState(st string, ev *structs.TaskEvent) {
	tr.mu.Lock()
	tr.setStateLocked(st, ev)
	tr.persistLocked()
	tr.mu.Unlock()
	tr.notify()
}

// persistLocked writes the task state to the state DB. A failure is
// logged: the task keeps running, and the next change writes it again.
func (tr *TaskRunner) persistLocked() {
	if tr.cfg.StateDB == nil || tr.destroyed {
		return
	}
	if err := tr.cfg.StateDB.PutTaskState(tr.cfg.Alloc.ID, tr.task.Name, tr.state); err != nil {
		tr.logger.Error("failed to persist task state", "error", err)
	}
}

// persistLocalLocked writes the handle and the hooks' state.
func (tr *TaskRunner) persistLocalLocked() {
	if tr.cfg.StateDB == nil || tr.destroyed {
		return
	}
	if err := tr.cfg.StateDB.PutLocalTaskState(tr.cfg.Alloc.ID, tr.task.Name, tr.local); err != nil {
		tr.logger.Error("failed to persist local task state", "error", err)
	}
}

func (tr *TaskRunner) notify() {
	if tr.cfg.OnStateChange != nil {
		tr.cfg.OnStateChange()
	}
}

// lastEventIs reports whether the newest event has ev's type and message.
func (tr *TaskRunner) lastEventIs(ev *structs.TaskEvent) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := len(tr.state.Events)
	return n > 0 && tr.state.Events[n-1].Type == ev.Type && tr.state.Events[n-1].Message == ev.Message
}
