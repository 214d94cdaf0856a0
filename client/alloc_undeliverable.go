package client

import (
	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// failUndeliverable reports as failed, through the normal update path,
// each allocation the servers could not send to this client (its job would
// not decode here), with the servers' reason as its ClientDescription and
// as a Setup Failure event of each of its tasks. The scheduler then treats
// it as any failed allocation, and every other allocation of the node
// keeps running. One the client already finished, or the servers already
// want stopped, is reported as Nomad reports an allocation stopped before
// it started; one that already has a runner (the servers changed an
// allocation it was running into one it cannot receive) is left running
// its last version, with an error logged.
func (c *Client) failUndeliverable(list []*structs.UndeliverableAlloc) {
	for _, u := range list {
		c.mu.Lock()
		e := c.allocs[u.ID]
		if e != nil && u.AllocModifyIndex > e.serverIndex {
			e.serverIndex = u.AllocModifyIndex
		}
		c.mu.Unlock()
		switch {
		case e != nil:
			c.logger.Error("the servers could not send an update of a running allocation; it keeps its last version", "alloc_id", u.ID, "reason", u.Reason)
			continue
		case u.ClientStatus == structs.AllocClientStatusComplete, u.ClientStatus == structs.AllocClientStatusFailed, u.ClientStatus == structs.AllocClientStatusLost:
			continue
		case u.DesiredStatus != structs.AllocDesiredStatusRun:
			c.allocUpdated(&structs.Allocation{ID: u.ID, ClientStatus: structs.AllocClientStatusComplete,
				ClientDescription: "Stopped before the client started it"})
			continue
		}
		c.logger.Error("failing an allocation the servers could not send", "alloc_id", u.ID, "reason", u.Reason)
		now := c.clock.Now()
		states := make(map[string]*structs.TaskState, len(u.TaskNames))
		for _, name := range u.TaskNames {
			ev := taskrunner.NewEvent(taskrunner.EventSetupFailure, u.Reason)
			ev.Time = now.UnixNano()
			ev.FailsTask = true
			ev.Details["fails_task"] = "true"
			states[name] = &structs.TaskState{State: structs.TaskStateDead, Failed: true, FinishedAt: now,
				Events: []*structs.TaskEvent{ev}}
		}
		c.allocUpdated(&structs.Allocation{ID: u.ID, ClientStatus: structs.AllocClientStatusFailed,
			ClientDescription: u.Reason, TaskStates: states})
	}
}
