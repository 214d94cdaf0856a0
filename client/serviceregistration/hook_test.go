package serviceregistration

import (
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeServer is an RPC that keeps what it was sent, as the servers'
// table would.
type fakeServer struct {
	mu    sync.Mutex
	regs  map[string]*structs.ServiceRegistration
	calls chan struct{}
}

func newFakeServer() *fakeServer {
	return &fakeServer{regs: map[string]*structs.ServiceRegistration{}, calls: make(chan struct{}, 100)}
}

func (f *fakeServer) UpsertServices(regs []*structs.ServiceRegistration) error {
	f.mu.Lock()
	for _, r := range regs {
		f.regs[r.ID] = r.Copy()
	}
	f.mu.Unlock()
	f.calls <- struct{}{}
	return nil
}

func (f *fakeServer) DeleteAllocServices(allocID string) error {
	f.mu.Lock()
	for id, r := range f.regs {
		if r.AllocID == allocID {
			delete(f.regs, id)
		}
	}
	f.mu.Unlock()
	f.calls <- struct{}{}
	return nil
}

func (f *fakeServer) snapshot() map[string]*structs.ServiceRegistration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]*structs.ServiceRegistration{}
	for k, v := range f.regs {
		out[k] = v
	}
	return out
}

// waitFor polls cond with a bound; the hook sends from its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func hookAlloc() *structs.Allocation {
	job := &structs.Job{ID: "web", Namespace: "default", TaskGroups: []*structs.TaskGroup{{
		Name:     "web",
		Services: []*structs.Service{{Name: "web", PortLabel: "http", Tags: []string{"v1"}, CanaryTags: []string{"canary"}}},
		Tasks: []*structs.Task{{Name: "app", Services: []*structs.Service{
			{Name: "app-admin", PortLabel: "admin"},
			{Name: "in-consul", Provider: "consul", PortLabel: "http"},
		}}},
	}}}
	return &structs.Allocation{ID: "a1", Namespace: "default", JobID: "web", Job: job, TaskGroup: "web", NodeID: "n1",
		AllocatedResources: &structs.AllocatedResources{Shared: structs.AllocatedSharedResources{
			Networks: []*structs.NetworkResource{{IP: "10.1.2.3", DynamicPorts: []structs.Port{{Label: "http", Value: 23001}, {Label: "admin", Value: 23002}}}},
		}}}
}

func running(a *structs.Allocation, state string) *structs.Allocation {
	c := *a
	c.TaskStates = map[string]*structs.TaskState{"app": {State: state}}
	return &c
}

func TestBuildRegistrations(t *testing.T) {
	a := running(hookAlloc(), structs.TaskStateRunning)
	a.DeploymentStatus = &structs.AllocDeploymentStatus{Canary: true}
	node := &structs.Node{ID: "n1", Datacenter: "dc2"}
	regs, skipped := Build(Inputs{Alloc: a, Node: node, Running: runningIn(a)})
	if len(regs) != 2 || len(skipped) != 1 || skipped[0].Service != "in-consul" {
		t.Fatalf("regs %+v skipped %+v", regs, skipped)
	}
	web := regs[0]
	if web.ID != "_nomad-task-a1-web-web-http" || web.Address != "10.1.2.3" || web.Port != 23001 ||
		web.Datacenter != "dc2" || len(web.Tags) != 1 || web.Tags[0] != "canary" || web.Health != structs.ServiceHealthPassing {
		t.Fatalf("group service: %+v", web)
	}
	if regs[1].ID != "_nomad-task-a1-app-app-admin-admin" || regs[1].Port != 23002 {
		t.Fatalf("task service: %+v", regs[1])
	}
	// Not running: nothing.
	if regs, _ := Build(Inputs{Alloc: running(hookAlloc(), structs.TaskStatePending), Node: node, Running: runningIn(running(hookAlloc(), structs.TaskStatePending))}); len(regs) != 0 {
		t.Fatalf("pending tasks registered %+v", regs)
	}
}

func TestHookRegistersWhileRunningAndRemovesOnDeregister(t *testing.T) {
	srv := newFakeServer()
	a := hookAlloc()
	h := New(Config{Alloc: a, Node: &structs.Node{ID: "n1", Datacenter: "dc1"}, RPC: srv})
	h.Start()
	defer h.Stop()

	h.Update(running(a, structs.TaskStateRunning))
	waitFor(t, "two registrations", func() bool { return len(srv.snapshot()) == 2 })

	// A restart takes the instances out while the task is not running.
	h.Update(running(a, structs.TaskStatePending))
	waitFor(t, "removal while not running", func() bool { return len(srv.snapshot()) == 0 })
	h.Update(running(a, structs.TaskStateRunning))
	waitFor(t, "registrations back", func() bool { return len(srv.snapshot()) == 2 })

	h.Deregister()
	if n := len(srv.snapshot()); n != 0 {
		t.Fatalf("%d registrations left right after Deregister, want 0 (it removes synchronously)", n)
	}
	// Nothing comes back once deregistered, whatever the tasks do.
	h.Update(running(a, structs.TaskStateRunning))
	h.Stop()
	if n := len(srv.snapshot()); n != 0 {
		t.Fatalf("%d registrations after deregistration", n)
	}
}
