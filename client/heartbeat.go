package client

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// defaultHeartbeatTTL is used when a server answers without a TTL.
const defaultHeartbeatTTL = 10 * time.Second

// heartbeatLoop registers the node, then heartbeats at the TTL the servers
// hand out. It registers again when the node's fingerprint changed and
// when a heartbeat finds that the servers no longer know the node (it was
// garbage-collected while this agent was away). Failures are retried
// with a doubling back-off, each attempt failing over through the servers.
//
// The heartbeat goes out once per TTL, as the servers expect when they
// size TTLs to their heartbeat rate; their grace period covers the trip.
func (c *Client) heartbeatLoop() {
	needRegister := true
	failures := 0
	var wait time.Duration // the first registration goes out at once
	for {
		tick, stop := c.clock.NewTimer(wait)
		select {
		case <-c.ctx.Done():
			stop()
			return
		case <-c.nodeChanged:
			stop()
			needRegister = true
		case <-tick:
		}

		if needRegister {
			// The node is copied after this, so a change signalled
			// before now is in what is sent.
			select {
			case <-c.nodeChanged:
			default:
			}
			if err := c.register(); err != nil {
				if c.ctx.Err() != nil {
					return
				}
				failures++
				wait = backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff)
				c.logger.Error("registration failed; will retry", "error", err, "failures", failures, "retry_in", wait)
				continue
			}
			failures, needRegister = 0, false
			wait = c.ttl()
			continue
		}

		ttl, err := c.heartbeat()
		switch {
		case err == nil:
			failures = 0
			wait = ttl
		case c.ctx.Err() != nil:
			return
		case structs.IsErrNotFound(err):
			c.logger.Warn("the servers do not know this node; registering again", "error", err)
			needRegister, wait = true, 0
		default:
			failures++
			wait = backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff)
			c.logger.Error("heartbeat failed; will retry", "error", err, "failures", failures, "retry_in", wait)
		}
	}
}

// heartbeat tells the servers the node is alive and ready, and returns
// the TTL until the next heartbeat is due.
func (c *Client) heartbeat() (time.Duration, error) {
	c.mu.Lock()
	id, secret := c.node.ID, c.node.SecretID
	c.mu.Unlock()
	req := &structs.NodeUpdateStatusRequest{
		NodeID:       id,
		SecretID:     secret,
		Status:       structs.NodeStatusReady,
		WriteRequest: structs.WriteRequest{Region: c.cfg.Region},
	}
	var resp structs.NodeUpdateResponse
	if err := c.servers.call("Node.UpdateStatus", req, &resp, c.cfg.RPCTimeout); err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	c.servers.setServers(resp.Servers)
	c.mu.Lock()
	c.heartbeatTTL = resp.HeartbeatTTL
	c.mu.Unlock()
	c.noteContact()
	if resp.Reconnected {
		// The servers had marked the node disconnected and its
		// allocations unknown; the tasks kept running here, untouched,
		// and their newest reports tell the servers so.
		n := c.resendReports()
		c.logger.Info("reconnected after the servers marked the node disconnected", "allocs_resent", n)
	}
	return c.ttl(), nil
}

// ttl is the heartbeat TTL last handed out.
func (c *Client) ttl() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.heartbeatTTL <= 0 {
		return defaultHeartbeatTTL
	}
	return c.heartbeatTTL
}
