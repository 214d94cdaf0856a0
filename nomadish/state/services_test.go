package state

import (
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testReg(alloc *structs.Allocation, name, label string, port int) *structs.ServiceRegistration {
	return &structs.ServiceRegistration{
		ID:          structs.ServiceRegistrationID(alloc.ID, "web", name, label),
		ServiceName: name, Namespace: alloc.Namespace, NodeID: alloc.NodeID, Datacenter: "dc1",
		JobID: alloc.JobID, AllocID: alloc.ID, Tags: []string{"v1"}, Address: "10.0.0.1", Port: port,
		Health: structs.ServiceHealthPassing,
	}
}

// servicesFixture: nodes n1, n2; allocations a1 (n1), a2 (n2), gone
// (n1, stopped).
func servicesFixture(t *testing.T) (*StateStore, *structs.Allocation, *structs.Allocation, *structs.Allocation) {
	s := testStore(t)
	must(t, s.UpsertNode(1, opsNode("n1")))
	must(t, s.UpsertNode(2, opsNode("n2")))
	job := testJob("web")
	must(t, s.UpsertJob(3, job))
	a1, a2, gone := testAlloc(job, "a1", "n1"), testAlloc(job, "a2", "n2"), testAlloc(job, "gone", "n1")
	gone.DesiredStatus = structs.AllocDesiredStatusStop
	must(t, s.UpsertAllocs(4, []*structs.Allocation{a1, a2, gone}))
	return s, a1, a2, gone
}

func TestServiceRegistrationsUpsertAndRead(t *testing.T) {
	s, a1, a2, gone := servicesFixture(t)
	r1, r2 := testReg(a1, "api", "http", 8080), testReg(a2, "api", "http", 8081)
	must(t, s.UpsertServiceRegistrations(10, []*structs.ServiceRegistration{r1, r2, testReg(gone, "api", "http", 1)}))

	got, err := s.ServiceRegistrationsByName(nil, a1.Namespace, "api")
	must(t, err)
	if len(got) != 2 || got[0].AllocID != "a1" || got[1].AllocID != "a2" {
		t.Fatalf("by name: %+v, want a1 and a2 (the stopped allocation's registration dropped)", got)
	}
	if got[0].CreateIndex != 10 || got[0].ModifyIndex != 10 {
		t.Fatalf("indexes %d/%d, want 10/10", got[0].CreateIndex, got[0].ModifyIndex)
	}
	if idx, _ := s.Index("services"); idx != 10 {
		t.Fatalf("table index %d, want 10", idx)
	}

	// An equal upsert changes nothing and wakes no watcher.
	ws := memdb.NewWatchSet()
	_, err = s.ServiceRegistrationsByName(ws, a1.Namespace, "api")
	must(t, err)
	must(t, s.UpsertServiceRegistrations(11, []*structs.ServiceRegistration{r1}))
	if idx, _ := s.Index("services"); idx != 10 {
		t.Fatalf("table index %d after an equal upsert, want 10", idx)
	}
	// A health change is written, keeping CreateIndex, and fires the watch.
	crit := r1.Copy()
	crit.Health = structs.ServiceHealthCritical
	must(t, s.UpsertServiceRegistrations(12, []*structs.ServiceRegistration{crit}))
	if ws.Watch(time.After(10 * time.Second)) { // a bound: a fired watch returns at once
		t.Fatal("the watch set did not fire on a health change")
	}
	r, err := s.ServiceRegistrationByID(nil, r1.ID)
	must(t, err)
	if r.Health != structs.ServiceHealthCritical || r.CreateIndex != 10 || r.ModifyIndex != 12 {
		t.Fatalf("after update: %+v", r)
	}

	byNode, err := s.ServiceRegistrationsByNode(nil, "n2")
	must(t, err)
	if len(byNode) != 1 || byNode[0].ID != r2.ID {
		t.Fatalf("by node n2: %+v", byNode)
	}
}

func TestServiceRegistrationsDelete(t *testing.T) {
	s, a1, a2, _ := servicesFixture(t)
	r1, r1b, r2 := testReg(a1, "api", "http", 8080), testReg(a1, "admin", "admin", 9090), testReg(a2, "api", "http", 8081)
	must(t, s.UpsertServiceRegistrations(10, []*structs.ServiceRegistration{r1, r1b, r2}))

	if err := s.DeleteServiceRegistrationByID(11, "other-ns", r2.ID); !structs.IsErrNotFound(err) {
		t.Fatalf("delete in another namespace: %v, want not found", err)
	}
	must(t, s.DeleteServiceRegistrationByID(11, a2.Namespace, r2.ID))
	must(t, s.DeleteServiceRegistrationsByAlloc(12, "a1"))
	it, err := s.ServiceRegistrations(nil)
	must(t, err)
	if raw := it.Next(); raw != nil {
		t.Fatalf("left after deletes: %+v", raw)
	}
	if idx, _ := s.Index("services"); idx != 12 {
		t.Fatalf("table index %d, want 12", idx)
	}
}

func TestNodeDownRemovesItsServicesInTheSameWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		down func(s *StateStore) error
	}{
		{"UpdateNodeStatusLost", func(s *StateStore) error {
			_, err := s.UpdateNodeStatusLost(20, "n1", structs.NodeStatusDown, 1, nil)
			return err
		}},
		{"UpdateNodeStatus", func(s *StateStore) error { return s.UpdateNodeStatus(20, "n1", structs.NodeStatusDown, 1, nil) }},
		{"DeleteNode", func(s *StateStore) error { return s.DeleteNode(20, []string{"n1"}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, a1, a2, _ := servicesFixture(t)
			must(t, s.UpsertServiceRegistrations(10, []*structs.ServiceRegistration{testReg(a1, "api", "http", 1), testReg(a2, "api", "http", 2)}))
			must(t, tc.down(s))
			left, err := s.ServiceRegistrationsByName(nil, a1.Namespace, "api")
			must(t, err)
			if len(left) != 1 || left[0].NodeID != "n2" {
				t.Fatalf("left: %+v, want only n2's", left)
			}
			if idx, _ := s.Index("services"); idx != 20 {
				t.Fatalf("services index %d, want 20 (the node-down write)", idx)
			}
		})
	}
	// A disconnected node keeps its services.
	s, a1, _, _ := servicesFixture(t)
	must(t, s.UpsertServiceRegistrations(10, []*structs.ServiceRegistration{testReg(a1, "api", "http", 1)}))
	_, err := s.UpdateNodeStatusLost(20, "n1", structs.NodeStatusDisconnected, 1, nil)
	must(t, err)
	if left, _ := s.ServiceRegistrationsByNode(nil, "n1"); len(left) != 1 {
		t.Fatalf("disconnected node's services: %+v, want kept", left)
	}
}
