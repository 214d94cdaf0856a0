package client

import (
	"errors"
	"net/rpc"
	"sort"
	"sync"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// allocUpdates holds the runners' reports not yet sent: the newest one per
// allocation, so a burst of task events costs one entry.
type allocUpdates struct {
	mu      sync.Mutex // guards pending
	pending map[string]*structs.Allocation
	// kick holds one signal while pending is not empty.
	kick chan struct{}
}

func (u *allocUpdates) init() {
	u.pending = map[string]*structs.Allocation{}
	u.kick = make(chan struct{}, 1)
}

// put queues a report, replacing an older one of the same allocation.
func (u *allocUpdates) put(a *structs.Allocation) {
	u.mu.Lock()
	u.pending[a.ID] = a
	u.mu.Unlock()
	signal(u.kick)
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
// UpdateInterval more. A batch that fails for want of a server is
// retried with a back-off; one a server refuses is dropped (retrying
// would be refused again), with an error logged.
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
		switch {
		case err == nil:
			failures = 0
		case c.ctx.Err() != nil:
			return
		case isRefused(err):
			c.logger.Error("the servers refused the allocation updates; dropping them", "allocs", len(batch), "error", err)
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

// isRefused reports whether a server answered the call with an error of
// its own (rather than no server answering, or none having a leader).
func isRefused(err error) bool {
	var se rpc.ServerError
	return errors.As(err, &se) && !structs.IsErrNoLeader(err)
}
