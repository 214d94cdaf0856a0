package client

import (
	"fmt"
	"maps"
	"os"

	"github.com/nomadish/nomadish/client/fingerprint"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// buildNode fingerprints the machine into the node this client registers
// as. A fingerprinter that fails is logged; what the others found stands.
func (c *Client) buildNode(id, secret string) (*structs.Node, error) {
	name := c.cfg.NodeName
	if name == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return nil, fmt.Errorf("client: no node name is configured and the host name is unknown: %v", err)
		}
		name = h
	}
	node := &structs.Node{
		ID:          id,
		SecretID:    secret,
		Name:        name,
		Datacenter:  c.cfg.Datacenter,
		NodeClass:   c.cfg.NodeClass,
		NodePool:    c.cfg.NodePool,
		HTTPAddr:    c.cfg.HTTPAddr,
		Meta:        maps.Clone(c.cfg.Meta),
		Attributes:  map[string]string{},
		Drivers:     map[string]*structs.DriverInfo{},
		HostVolumes: map[string]*structs.ClientHostVolumeConfig{},
		Status:      structs.NodeStatusInit,
	}
	if node.Meta == nil {
		node.Meta = map[string]string{}
	}
	for name, v := range c.cfg.HostVolumes {
		if v == nil {
			continue
		}
		hv := *v
		if hv.Name == "" {
			hv.Name = name
		}
		if fi, err := os.Stat(hv.Path); err != nil || !fi.IsDir() {
			// Offered anyway: the directory may be mounted later, and
			// the task that uses it fails with a clear error meanwhile.
			c.logger.Warn("host volume path is not a directory", "volume", name, "path", hv.Path, "error", err)
		}
		node.HostVolumes[name] = &hv
	}
	res, err := fingerprint.Run(c.ctx, &fingerprint.Config{
		Request: fingerprint.Request{
			DataDir:          c.allocRoot,
			NetworkInterface: c.cfg.NetworkInterface,
			CpuTotalCompute:  c.cfg.CpuTotalCompute,
			Version:          c.cfg.Version,
			Revision:         c.cfg.Revision,
		},
		Logger: c.logger,
	})
	if res == nil {
		return nil, fmt.Errorf("client: fingerprint: %w", err)
	}
	if err != nil {
		c.logger.Warn("some fingerprints failed; registering with what was found", "error", err)
	}
	res.Apply(node)
	if r := c.cfg.Reserved; r != nil {
		reserved := *r
		node.ReservedResources = &reserved
	}
	return node, nil
}

// register sends the node as it is now, records the TTL and the servers
// the answer carries, and queues every allocation's newest report again.
func (c *Client) register() error {
	c.mu.Lock()
	node := c.node.Copy()
	c.mu.Unlock()
	node.Status = structs.NodeStatusReady
	node.StatusUpdatedAt = c.clock.Now().Unix()

	var resp structs.NodeUpdateResponse
	req := &structs.NodeRegisterRequest{Node: node, WriteRequest: structs.WriteRequest{Region: c.cfg.Region}}
	if err := c.servers.call("Node.Register", req, &resp, c.cfg.RPCTimeout); err != nil {
		return fmt.Errorf("register node: %w", err)
	}
	c.servers.setServers(resp.Servers)
	c.mu.Lock()
	c.node.Status = structs.NodeStatusReady
	c.heartbeatTTL = resp.HeartbeatTTL
	c.mu.Unlock()
	c.registeredOnce.Do(func() { close(c.registeredCh) })
	c.noteContact()
	resent := c.resendReports()
	c.logger.Info("node registered", "node_id", node.ID, "name", node.Name, "heartbeat_ttl", resp.HeartbeatTTL, "allocs_resent", resent)
	return nil
}

// resendReports queues every allocation's newest report again, for a
// registration: the servers may have missed reports, sent while they did
// not know the node, refused, or lost by a bug on either side. It is one
// batch and heals whatever was lost.
//
// A runner whose Run has returned is asked for its state, which is final:
// should its last report have missed a change, the servers get it now. A
// runner still running reports every change itself; asking it here could
// queue a state older than one it is reporting meanwhile, so its newest
// report is sent as it was.
func (c *Client) resendReports() int {
	for _, ar := range c.runners() {
		select {
		case <-ar.WaitCh():
			c.allocUpdated(ar.Alloc())
		default:
		}
	}
	return c.updates.resendAll()
}

// waitRegistered blocks until the node has registered once; false means
// the client is shutting down.
func (c *Client) waitRegistered() bool {
	select {
	case <-c.registeredCh:
		return true
	case <-c.ctx.Done():
		return false
	}
}
