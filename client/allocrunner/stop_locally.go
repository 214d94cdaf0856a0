package allocrunner

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// StopLocally stops the allocation on the client's own decision, without
// the servers asking: a client cut off from every server for longer than
// the group's stop_on_client_after does so. reason is recorded on every
// task not yet dead, saying why, then the tasks are stopped as for a
// desired stop (the shutdown delays, the leader first, poststop tasks
// after). The tasks end dead, not failed, so the allocation ends
// complete; its reports reach the servers once they answer again. A
// second call, or one on an allocation already stopping, does nothing.
func (ar *AllocRunner) StopLocally(reason *structs.TaskEvent) {
	ar.mu.Lock()
	if ar.killing || ar.destroying || ar.stoppedLocally {
		ar.mu.Unlock()
		return
	}
	ar.stoppedLocally = true
	started := ar.runStarted
	if !started {
		// Run has not looked at the allocation yet: it will find it
		// stopped and start nothing. Only the client fields of this
		// copy are ever sent to the servers.
		c := *ar.alloc
		c.DesiredStatus = structs.AllocDesiredStatusStop
		ar.alloc = &c
	}
	ar.mu.Unlock()
	if reason != nil {
		for _, n := range ar.names {
			if tr := ar.tasks[n]; tr.TaskState().State != structs.TaskStateDead {
				tr.EmitEvent(reason)
			}
		}
	}
	if started {
		go ar.kill(false)
	}
}
