package client

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// serviceRPC is the alloc runners' way to the servers' service
// registrations (client/serviceregistration.RPC): every call carries the
// node's secret, which the servers check against the allocations'
// node.
type serviceRPC struct{ c *Client }

func (c *Client) serviceRPC() serviceRPC { return serviceRPC{c: c} }

func (s serviceRPC) secret() string {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.node.SecretID
}

// UpsertServices registers or updates instances.
func (s serviceRPC) UpsertServices(regs []*structs.ServiceRegistration) error {
	req := &structs.ServiceRegistrationUpsertRequest{
		Services:     regs,
		SecretID:     s.secret(),
		WriteRequest: structs.WriteRequest{Region: s.c.cfg.Region},
	}
	var resp structs.GenericResponse
	return s.c.servers.call("ServiceRegistration.Upsert", req, &resp, s.c.cfg.RPCTimeout)
}

// DeleteAllocServices removes every instance of an allocation.
func (s serviceRPC) DeleteAllocServices(allocID string) error {
	req := &structs.ServiceRegistrationDeleteByAllocRequest{
		AllocID:      allocID,
		SecretID:     s.secret(),
		WriteRequest: structs.WriteRequest{Region: s.c.cfg.Region},
	}
	var resp structs.GenericResponse
	return s.c.servers.call("ServiceRegistration.DeleteByAllocID", req, &resp, s.c.cfg.RPCTimeout)
}
