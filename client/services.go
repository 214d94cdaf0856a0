package client

import (
	"context"
	"time"

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

// discoveryWait bounds one blocking query of the templates' watcher; the
// watcher asks again when it passes.
const discoveryWait = 5 * time.Minute

// ServiceNames lists the services of the node's region, for templates'
// nomadServices (taskrunner.ServiceWatcher). Any server may answer.
func (s serviceRPC) ServiceNames() ([]*structs.ServiceRegistrationListStub, error) {
	req := &structs.ServiceRegistrationListRequest{QueryOptions: structs.QueryOptions{Region: s.c.cfg.Region, AllowStale: true}}
	var resp structs.ServiceRegistrationListResponse
	if err := s.c.servers.call("ServiceRegistration.List", req, &resp, s.c.cfg.RPCTimeout); err != nil {
		return nil, err
	}
	return resp.Services, nil
}

// ServiceInstances returns every instance of a service, for templates'
// nomadService, which keeps the passing ones.
func (s serviceRPC) ServiceInstances(name string) ([]*structs.ServiceRegistration, error) {
	req := &structs.ServiceRegistrationByNameRequest{ServiceName: name,
		QueryOptions: structs.QueryOptions{Region: s.c.cfg.Region, AllowStale: true}}
	var resp structs.ServiceRegistrationByNameResponse
	if err := s.c.servers.call("ServiceRegistration.GetService", req, &resp, s.c.cfg.RPCTimeout); err != nil {
		return nil, err
	}
	return resp.Services, nil
}

// WaitServices blocks until the registrations' index passes index (a
// blocking query on the services list, up to discoveryWait) and returns
// it. The call itself is not cancelled by ctx; a watcher whose ctx ended
// drops the answer.
func (s serviceRPC) WaitServices(ctx context.Context, index uint64) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	req := &structs.ServiceRegistrationListRequest{QueryOptions: structs.QueryOptions{Region: s.c.cfg.Region, AllowStale: true,
		MinQueryIndex: index, MaxQueryTime: discoveryWait}}
	var resp structs.ServiceRegistrationListResponse
	timeout := s.c.cfg.RPCTimeout
	if index > 0 {
		timeout += discoveryWait + discoveryWait/16 // the server's wait plus its jitter
	}
	if err := s.c.servers.call("ServiceRegistration.List", req, &resp, timeout); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return resp.Index, nil
}
