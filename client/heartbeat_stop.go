package client

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// stopOnClientAfter is how long a client that cannot heartbeat to any
// server keeps the allocation running: its group's
// disconnect.stop_on_client_after, or the older
// stop_after_client_disconnect. Zero means it runs on until a server says
// otherwise.
func stopOnClientAfter(a *structs.Allocation) time.Duration {
	if a == nil || a.Job == nil {
		return 0
	}
	tg := a.Job.LookupTaskGroup(a.TaskGroup)
	if tg == nil {
		return 0
	}
	if d := tg.Disconnect; d != nil && d.StopOnClientAfter != nil && *d.StopOnClientAfter > 0 {
		return *d.StopOnClientAfter
	}
	if d := tg.StopAfterClientDisconnect; d != nil && *d > 0 {
		return *d
	}
	return 0
}

// noteContact records a heartbeat (or registration) the servers answered,
// which restarts every allocation's stop_on_client_after count.
func (c *Client) noteContact() {
	c.mu.Lock()
	c.lastContact = c.clock.Now()
	c.mu.Unlock()
	signal(c.stopCheck)
}

// heartbeatStopLoop stops, as Nomad does, each allocation whose group
// sets stop_on_client_after (or stop_after_client_disconnect) once the
// client has gone that long without a heartbeat the servers answered.
// Meanwhile the servers have marked the node down and the allocation lost
// and placed a replacement elsewhere: stopping it here keeps two copies
// from running at once, for a workload that needs exclusive access to
// something. The count starts at the agent's start, so a client that
// restarts while cut off gives its restored allocations the full
// duration again. It wakes at the nearest deadline, and again whenever
// the servers answer or an allocation is added.
func (c *Client) heartbeatStopLoop() {
	for {
		wait := c.stopDisconnected()
		var tick <-chan time.Time
		stop := func() bool { return false }
		if wait > 0 {
			tick, stop = c.clock.NewTimer(wait)
		}
		select {
		case <-c.ctx.Done():
			stop()
			return
		case <-c.stopCheck:
			stop()
		case <-tick:
		}
	}
}

// stopDisconnected stops the allocations whose stop_on_client_after has
// passed since the last contact and returns how long until the next one
// is due (zero when none is counting).
func (c *Client) stopDisconnected() time.Duration {
	type due struct {
		e     *allocEntry
		after time.Duration
	}
	var stop []due
	var next time.Duration
	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		return 0
	}
	contact := c.lastContact
	since := c.clock.Now().Sub(contact)
	entries := make([]*allocEntry, 0, len(c.allocs))
	for _, e := range c.allocs {
		if !e.collected && !e.stoppedLocally && e.doneAt.IsZero() {
			entries = append(entries, e)
		}
	}
	c.mu.Unlock()

	// The runners are asked outside the client's lock: Alloc takes the
	// runner's own.
	for _, e := range entries {
		a := e.ar.Alloc()
		after := stopOnClientAfter(a)
		if after <= 0 || a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientTerminalStatus() {
			continue
		}
		if since >= after {
			stop = append(stop, due{e, after})
			continue
		}
		if left := after - since; next == 0 || left < next {
			next = left
		}
	}
	for _, d := range stop {
		c.mu.Lock()
		// A heartbeat answered since the count was taken saves the
		// allocation: the next round counts from it.
		skip := d.e.stoppedLocally || !c.lastContact.Equal(contact)
		if !skip {
			d.e.stoppedLocally = true
		}
		c.mu.Unlock()
		if skip {
			continue
		}
		c.logger.Warn("no heartbeat reached a server for longer than the group's stop_on_client_after; stopping the allocation",
			"alloc_id", d.e.id, "stop_on_client_after", d.after, "since_last_heartbeat", since)
		d.e.ar.StopLocally(disconnectStopEvent(d.after, since))
	}
	return next
}

// disconnectStopEvent is the task event that says why the client stopped
// the task on its own.
func disconnectStopEvent(after, since time.Duration) *structs.TaskEvent {
	ev := taskrunner.NewEvent(taskrunner.EventKilling, fmt.Sprintf(
		"Client has not reached a server for %s, longer than the group's stop_on_client_after (%s); stopping the task", since, after))
	ev.Details["stop_on_client_after"] = after.String()
	ev.Details["since_last_heartbeat"] = since.String()
	return ev
}
