package client

import (
	"sort"
	"sync"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// allocUpdates holds the runners' reports not yet sent: the newest one per
// allocation, so a burst of task events costs one entry. It also keeps
// the newest report of every allocation ever queued, sent or not, so the
// client can send them all again (resendAll) when the servers may have
// lost some.
type allocUpdates struct {
	mu sync.Mutex // guards pending and latest
	// pending are the reports to send; latest the newest report of each
	// allocation the servers still list.
	pending map[string]*structs.Allocation
	latest  map[string]*structs.Allocation
	// kick holds one signal while pending is not empty.
	kick chan struct{}
}

func (u *allocUpdates) init() {
	u.pending = map[string]*structs.Allocation{}
	u.latest = map[string]*structs.Allocation{}
	u.kick = make(chan struct{}, 1)
}

// put queues a report, replacing an older one of the same allocation.
func (u *allocUpdates) put(a *structs.Allocation) {
	u.mu.Lock()
	u.pending[a.ID] = a
	u.latest[a.ID] = a
	u.mu.Unlock()
	signal(u.kick)
}

// resendAll queues the newest report of every allocation again and
// returns how many it queued. Taking them from latest, under the lock put
// holds, rather than asking the runners, means a report queued here is
// never older than one queued before it: the servers cannot be sent an
// allocation's state going backwards.
func (u *allocUpdates) resendAll() int {
	u.mu.Lock()
	n := len(u.latest)
	for id, a := range u.latest {
		u.pending[id] = a
	}
	u.mu.Unlock()
	if n > 0 {
		signal(u.kick)
	}
	return n
}

// retain forgets the newest reports of the allocations the servers no
// longer list (keep says which they list), so resendAll does not send
// them. Reports still pending are sent anyway; a server ignores an
// allocation it does not have.
func (u *allocUpdates) retain(keep map[string]bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id := range u.latest {
		if !keep[id] {
			delete(u.latest, id)
		}
	}
}

// take empties the queue and returns what it held, sorted by ID.
func (u *allocUpdates) take() []*structs.Allocation {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]*structs.Allocation, 0, len(u.pending))
	for _, a := range u.pending {
		out = append(out, a)
	}
	u.pending = map[string]*structs.Allocation{}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// requeue puts back reports that failed to send, unless a newer report of
// the same allocation has come in meanwhile.
func (u *allocUpdates) requeue(batch []*structs.Allocation) {
	u.mu.Lock()
	for _, a := range batch {
		if _, ok := u.pending[a.ID]; !ok {
			u.pending[a.ID] = a
		}
	}
	u.mu.Unlock()
	signal(u.kick)
}

// allocUpdated is every runner's Updater: it queues the client's part of
// the allocation (status, description, task states, deployment health).
func (c *Client) allocUpdated(a *structs.Allocation) {
	if a == nil {
		return
	}
	c.updates.put(&structs.Allocation{
		ID:                a.ID,
		ClientStatus:      a.ClientStatus,
		ClientDescription: a.ClientDescription,
		TaskStates:        a.TaskStates,
		DeploymentStatus:  a.DeploymentStatus,
	})
}

// syncLoop sends the queued reports with Node.UpdateAlloc: once the node
// has registered, whenever reports are waiting, after gathering for
// UpdateInterval more. A batch that fails, for want of a server or because
// a server could not apply it (a Raft apply that failed, a leader that
// stepped down), is queued again and retried with a back-off; newer
// reports of the same allocations replace it meanwhile. Only a report a
// server found malformed is dropped, with an error logged: sending it
// again would be refused again. Every registration queues every
// allocation's newest report once more (resendReports), so a report lost
// anyway is sent again at the latest then.
func (c *Client) syncLoop() {
	if !c.waitRegistered() {
		return
	}
	failures := 0
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.updates.kick:
		}
		if !c.sleep(c.cfg.UpdateInterval) {
			return
		}
		batch := c.updates.take()
		if len(batch) == 0 {
			continue
		}
		err := c.sendUpdates(batch)
		if err != nil && c.ctx.Err() == nil && structs.IsValidationError(err) {
			batch, err = c.dropMalformed(batch, err)
		}
		switch {
		case err == nil:
			failures = 0
		case c.ctx.Err() != nil:
			return
		default:
			failures++
			wait := backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff)
			c.logger.Error("sending allocation updates failed; will retry", "allocs", len(batch), "error", err, "retry_in", wait)
			c.updates.requeue(batch)
			if !c.sleep(wait) {
				return
			}
		}
	}
}

// dropMalformed handles a batch a server refused as malformed (err). The
// server refuses a batch whole, so each report is sent again on its own
// and only those refused as malformed again are dropped. It returns the
// reports not sent for another reason, from the first such failure on,
// with that failure, for the caller to retry.
func (c *Client) dropMalformed(batch []*structs.Allocation, err error) ([]*structs.Allocation, error) {
	if len(batch) == 1 {
		c.logger.Error("a server refused the allocation update as malformed; dropping it", "alloc_id", batch[0].ID, "error", err)
		return nil, nil
	}
	for i, a := range batch {
		err := c.sendUpdates([]*structs.Allocation{a})
		switch {
		case err == nil:
		case c.ctx.Err() == nil && structs.IsValidationError(err):
			c.logger.Error("a server refused the allocation update as malformed; dropping it", "alloc_id", a.ID, "error", err)
		default:
			return batch[i:], err
		}
	}
	return nil, nil
}

func (c *Client) sendUpdates(batch []*structs.Allocation) error {
	c.mu.Lock()
	secret := c.node.SecretID
	c.mu.Unlock()
	req := &structs.AllocUpdateRequest{
		Alloc:        batch,
		SecretID:     secret,
		WriteRequest: structs.WriteRequest{Region: c.cfg.Region},
	}
	var resp structs.GenericResponse
	return c.servers.call("Node.UpdateAlloc", req, &resp, c.cfg.RPCTimeout)
}
