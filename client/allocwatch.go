package client

import (
	"fmt"
	"math/rand"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// watchAllocations holds a blocking query on the node's allocations from
// the first registration until shutdown. Each answer lists the node's
// allocation IDs with the index of the servers' last change to each; the
// new and changed ones are fetched in full (pullAllocs) and everything is
// handed to runAllocs. Queries may be answered by any server (stale reads
// spread the load); an answer older than one already acted on is ignored,
// so that a lagging server never makes the client drop an allocation it
// has just been given.
func (c *Client) watchAllocations() {
	if !c.waitRegistered() {
		return
	}
	var index uint64
	pulled := map[string]uint64{} // alloc ID -> AllocModifyIndex last fetched
	failures := 0
	for c.ctx.Err() == nil {
		c.mu.Lock()
		id, secret := c.node.ID, c.node.SecretID
		c.mu.Unlock()
		req := &structs.NodeSpecificRequest{
			NodeID:   id,
			SecretID: secret,
			QueryOptions: structs.QueryOptions{
				Region:        c.cfg.Region,
				MinQueryIndex: index,
				MaxQueryTime:  c.cfg.MaxQueryTime,
				AllowStale:    true,
			},
		}
		var resp structs.NodeClientAllocsResponse
		timeout := c.cfg.RPCTimeout + blockingWait(req)
		err := c.servers.call("Node.GetClientAllocs", req, &resp, timeout)
		var fetched []*structs.Allocation
		var undeliverable []*structs.UndeliverableAlloc
		if err == nil && resp.Index > index {
			fetched, undeliverable, err = c.pullAllocs(secret, resp.Index, resp.Allocs, pulled)
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			failures++
			wait := backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff)
			c.logger.Error("querying the node's allocations failed; will retry", "error", err, "failures", failures, "retry_in", wait)
			if !c.sleep(wait) {
				return
			}
			continue
		}
		failures = 0
		if resp.Index <= index {
			continue // the query timed out unchanged, or a server lags
		}
		index = resp.Index
		c.runAllocs(resp.Allocs, fetched)
		c.failUndeliverable(undeliverable)
	}
}

// pullAllocs fetches with Alloc.GetAllocs the allocations of list whose
// index is newer than the one last fetched (pulled, which it prunes to
// list and, once everything came back, updates), at most
// structs.MaxAllocsPerGet per call. The server
// answering waits until it has reached the list's index. An allocation
// missing from the answer, or older than listed, is an error, so that the
// caller retries from the same query index rather than act on half a
// change. One the server could not send (it would not decode here) comes
// back in the second list, to be failed; it counts as fetched, so it is
// not asked for again until it changes.
func (c *Client) pullAllocs(secret string, index uint64, list map[string]uint64, pulled map[string]uint64) ([]*structs.Allocation, []*structs.UndeliverableAlloc, error) {
	want := structs.AllocsToFetch(list, pulled)
	var out []*structs.Allocation
	var undeliverable []*structs.UndeliverableAlloc
	for len(want) > 0 {
		chunk := want[:min(len(want), structs.MaxAllocsPerGet)]
		want = want[len(chunk):]
		req := &structs.AllocsGetRequest{
			AllocIDs: chunk,
			SecretID: secret,
			QueryOptions: structs.QueryOptions{
				Region:        c.cfg.Region,
				MinQueryIndex: index - 1,
				MaxQueryTime:  c.cfg.RPCTimeout,
				AllowStale:    true,
			},
		}
		var resp structs.AllocsGetResponse
		if err := c.servers.call("Alloc.GetAllocs", req, &resp, c.cfg.RPCTimeout+blockingWait(req)); err != nil {
			return nil, nil, fmt.Errorf("fetching %d allocations: %w", len(chunk), err)
		}
		asked := make(map[string]bool, len(chunk))
		for _, id := range chunk {
			asked[id] = true
		}
		for _, a := range resp.Allocs {
			if a == nil || !asked[a.ID] {
				continue
			}
			delete(asked, a.ID)
			if a.AllocModifyIndex < list[a.ID] {
				return nil, nil, fmt.Errorf("server answered allocation %s at index %d, older than %d", a.ID, a.AllocModifyIndex, list[a.ID])
			}
			out = append(out, a)
		}
		for _, u := range resp.Undeliverable {
			if u == nil || !asked[u.ID] {
				continue
			}
			delete(asked, u.ID)
			if u.AllocModifyIndex < list[u.ID] {
				return nil, nil, fmt.Errorf("server answered allocation %s at index %d, older than %d", u.ID, u.AllocModifyIndex, list[u.ID])
			}
			undeliverable = append(undeliverable, u)
		}
		if len(asked) > 0 {
			return nil, nil, fmt.Errorf("server did not return %d of the %d allocations asked for", len(asked), len(chunk))
		}
	}
	// Only a complete answer counts as fetched: after a failure every
	// allocation is asked for again and handed to runAllocs.
	for _, a := range out {
		pulled[a.ID] = a.AllocModifyIndex
	}
	for _, u := range undeliverable {
		pulled[u.ID] = u.AllocModifyIndex
	}
	return out, undeliverable, nil
}

// runAllocs brings the runners in line with the servers' view of the
// node's allocations: list holds every allocation the servers have for
// the node and fetched those of them new or changed since last time. A
// new allocation gets a runner, one with a newer AllocModifyIndex goes to
// its runner's Update, and one the servers no longer list is destroyed
// and forgotten.
func (c *Client) runAllocs(list map[string]uint64, fetched []*structs.Allocation) {
	type update struct {
		ar allocRunner
		a  *structs.Allocation
	}
	var updates []update
	var added []*structs.Allocation
	var removed []*allocEntry
	seen := make(map[string]bool, len(list))
	for id := range list {
		seen[id] = true
	}

	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		return
	}
	for _, a := range fetched {
		e := c.allocs[a.ID]
		switch {
		case e == nil:
			added = append(added, a)
		case e.collected || a.AllocModifyIndex <= e.serverIndex:
		default:
			e.serverIndex = a.AllocModifyIndex
			updates = append(updates, update{e.ar, a})
		}
	}
	for id, e := range c.allocs {
		if !seen[id] {
			delete(c.allocs, id)
			removed = append(removed, e)
		}
	}
	c.mu.Unlock()
	c.updates.retain(seen)

	for _, u := range updates {
		if err := c.db.PutAllocation(u.a); err != nil {
			c.logger.Error("cannot save the allocation", "alloc_id", u.a.ID, "error", err)
		}
		u.ar.Update(u.a)
	}
	for _, e := range removed {
		c.destroy(e, "the servers no longer have it")
	}
	for _, a := range added {
		c.addAlloc(a)
	}
	if len(added) > 0 {
		signal(c.gcKick) // make room if the node holds too many
	}
}

// addAlloc starts a runner for an allocation new to this client. One the
// client has already finished (per the servers) is not run again: its
// local state is gone, collected or lost. One the servers already want
// stopped is acknowledged as complete without starting it.
func (c *Client) addAlloc(a *structs.Allocation) {
	switch {
	case a.ClientTerminalStatus():
		return
	case a.DesiredStatus != structs.AllocDesiredStatusRun:
		c.allocUpdated(&structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusComplete,
			ClientDescription: "Stopped before the client started it"})
		return
	}
	if err := c.db.PutAllocation(a); err != nil {
		c.logger.Error("cannot save the allocation; running it anyway", "alloc_id", a.ID, "error", err)
	}
	ar, err := c.newRunner(c.runnerConfig(a))
	if err != nil {
		c.logger.Error("cannot run the allocation", "alloc_id", a.ID, "error", err)
		_ = c.db.DeleteAllocation(a.ID)
		c.allocUpdated(&structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusFailed,
			ClientDescription: fmt.Sprintf("Failed to start the allocation runner: %v", err)})
		return
	}
	c.startRunner(a, ar)
}

// runnerConfig is the alloc runner config for a.
func (c *Client) runnerConfig(a *structs.Allocation) *allocrunner.Config {
	c.mu.Lock()
	node := c.node.Copy()
	c.mu.Unlock()
	logmon := c.cfg.PluginBinary
	return &allocrunner.Config{
		Alloc:         a,
		Node:          node,
		Region:        c.cfg.Region,
		AllocRoot:     c.allocRoot,
		StateDB:       c.db,
		Drivers:       c.plugins,
		Logger:        c.cfg.Logger.Named("alloc_runner").With("alloc_id", a.ID),
		Clock:         c.clock,
		Rand:          rand.New(rand.NewSource(c.clock.Now().UnixNano())),
		Updater:       c.allocUpdated,
		LogmonBinary:  logmon,
		Getter:        c.getter,
		DisableLogmon: c.cfg.disableLogmon,
		Services:      c.serviceRPC(), // services.go
		Discovery:     c.serviceRPC(),
	}
}

// startRunner records ar as a's runner and runs it; when Run returns
// (every task terminal) the allocation becomes collectable.
func (c *Client) startRunner(a *structs.Allocation, ar allocRunner) {
	e := &allocEntry{id: a.ID, ar: ar, serverIndex: a.AllocModifyIndex}
	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		ar.Shutdown()
		return
	}
	c.allocs[a.ID] = e
	c.mu.Unlock()
	signal(c.stopCheck) // its stop_on_client_after may be counting
	go func() {
		ar.Run()
		c.mu.Lock()
		if !c.shutdown {
			e.doneAt = c.clock.Now()
		}
		c.mu.Unlock()
	}()
}

// destroy kills an allocation's tasks and removes its directory and local
// state, in the background: killing may take the tasks' kill timeouts.
// The channel is closed when it is done.
func (c *Client) destroy(e *allocEntry, why string) <-chan struct{} {
	done := make(chan struct{})
	c.mu.Lock()
	collected := e.collected
	e.collected = true
	c.mu.Unlock()
	if collected {
		close(done)
		return done
	}
	c.logger.Info("destroying allocation", "alloc_id", e.id, "reason", why)
	c.destroying.Add(1)
	go func() {
		defer c.destroying.Done()
		defer close(done)
		e.ar.Destroy()
		if err := c.db.DeleteAllocation(e.id); err != nil {
			c.logger.Error("cannot remove the allocation's local state", "alloc_id", e.id, "error", err)
		}
	}()
	return done
}
