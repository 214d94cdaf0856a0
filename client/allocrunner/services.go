package allocrunner

import (
	"github.com/nomadish/nomadish/client/serviceregistration"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The allocation's services (provider "nomad" or unset) are registered
// with the servers while its tasks run (client/serviceregistration), with
// the health its checks give them, and removed when the allocation stops:
// kill removes them before the group's shutdown_delay is waited, as Nomad
// does, so that no new traffic reaches tasks about to be stopped.

// startServices starts the registration hook when the allocation has
// services and the client gave the runner a way to reach the servers; it
// runs after startChecks so that health follows the checks.
func (ar *AllocRunner) startServices() {
	if ar.cfg.Services == nil || !serviceregistration.HasServices(ar.cfg.Alloc) {
		return
	}
	cfg := serviceregistration.Config{
		Alloc:  ar.cfg.Alloc,
		Node:   ar.cfg.Node,
		RPC:    ar.cfg.Services,
		Logger: ar.logger,
		Clock:  ar.clock,
	}
	if t := ar.CheckTracker(); t != nil {
		cfg.Health = t
	}
	h := serviceregistration.New(cfg)
	ar.mu.Lock()
	ar.services = h
	ar.mu.Unlock()
	h.Start()
}

// syncServices gives the hook the allocation as just reported, with its
// task states.
func (ar *AllocRunner) syncServices(a *structs.Allocation) {
	if h := ar.serviceHook(); h != nil {
		h.Update(a)
	}
}

// deregisterServices removes the allocation's instances from discovery.
func (ar *AllocRunner) deregisterServices() {
	if h := ar.serviceHook(); h != nil {
		h.Deregister()
	}
}

// stopServices removes the instances (the tasks are dead, or the runner
// is shutting down for an agent restart, when they stay registered: the
// tasks keep running) and stops the hook.
func (ar *AllocRunner) stopServices(removeInstances bool) {
	h := ar.serviceHook()
	if h == nil {
		return
	}
	if removeInstances {
		h.Deregister()
	}
	h.Stop()
}

func (ar *AllocRunner) serviceHook() *serviceregistration.Hook {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.services
}
