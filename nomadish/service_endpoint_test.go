package nomadish

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func endpointReg(alloc, node, job, name string, port int) *structs.ServiceRegistration {
	return &structs.ServiceRegistration{
		ID:          structs.ServiceRegistrationID(alloc, "web", name, "http"),
		ServiceName: name, Namespace: structs.DefaultNamespace, NodeID: node, Datacenter: "dc1",
		JobID: job, AllocID: alloc, Address: "127.0.0.1", Port: port, Health: structs.ServiceHealthPassing,
	}
}

func TestServiceRegistrationEndpointAuthAndRead(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, secretNode("n1", "s1"))
	registerNode(t, s, secretNode("n2", "s2"))
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")
	putAlloc(t, s, "a2", job, "n2")

	upsert := func(secret string, regs ...*structs.ServiceRegistration) error {
		return s.RPC("ServiceRegistration.Upsert", &structs.ServiceRegistrationUpsertRequest{Services: regs, SecretID: secret}, &structs.GenericResponse{})
	}
	r1 := endpointReg("a1", "n1", job.ID, "api", 8080)
	if err := upsert("wrong", r1); !isSecretMismatch(err) {
		t.Fatalf("wrong secret: %v, want a secret mismatch", err)
	}
	// n1's secret cannot register an instance of n2's allocation, even
	// claiming to be n1.
	if err := upsert("s1", endpointReg("a2", "n1", job.ID, "api", 1)); !isSecretMismatch(err) {
		t.Fatalf("another node's allocation: %v, want refused", err)
	}
	bad := endpointReg("a1", "n1", job.ID, "-bad_name", 1)
	if err := upsert("s1", bad); err == nil || !strings.Contains(err.Error(), "not a valid service name") {
		t.Fatalf("bad name: %v", err)
	}
	if err := upsert("s1", r1); err != nil {
		t.Fatal(err)
	}
	if err := upsert("s2", endpointReg("a2", "n2", job.ID, "api", 8081)); err != nil {
		t.Fatal(err)
	}

	// The bound per allocation.
	var many []*structs.ServiceRegistration
	for i := 0; i < structs.MaxServiceRegistrationsPerAlloc; i++ {
		r := endpointReg("a1", "n1", job.ID, "api", 9000+i)
		r.ID += strings.Repeat("x", i+1)
		many = append(many, r)
	}
	if err := upsert("s1", many...); err == nil || !strings.Contains(err.Error(), "at most 64") {
		t.Fatalf("too many: %v", err)
	}

	var got structs.ServiceRegistrationByNameResponse
	if err := s.RPC("ServiceRegistration.GetService", &structs.ServiceRegistrationByNameRequest{ServiceName: "api"}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Services) != 2 || got.Index == 0 {
		t.Fatalf("GetService: %+v index %d", got.Services, got.Index)
	}
	var list structs.ServiceRegistrationListResponse
	if err := s.RPC("ServiceRegistration.List", &structs.ServiceRegistrationListRequest{}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Services) != 1 || len(list.Services[0].Services) != 1 || list.Services[0].Services[0].ServiceName != "api" {
		t.Fatalf("List: %+v", list.Services)
	}

	// n2 cannot remove n1's allocation's instances.
	del := func(alloc, secret string) error {
		return s.RPC("ServiceRegistration.DeleteByAllocID", &structs.ServiceRegistrationDeleteByAllocRequest{AllocID: alloc, SecretID: secret}, &structs.GenericResponse{})
	}
	if err := del("a1", "s2"); !isSecretMismatch(err) {
		t.Fatalf("delete another node's: %v, want refused", err)
	}

	// A blocking query wakes on the removal.
	done := make(chan *structs.ServiceRegistrationByNameResponse, 1)
	go func() {
		var resp structs.ServiceRegistrationByNameResponse
		_ = s.RPC("ServiceRegistration.GetService", &structs.ServiceRegistrationByNameRequest{ServiceName: "api",
			QueryOptions: structs.QueryOptions{MinQueryIndex: got.Index, MaxQueryTime: time.Minute}}, &resp)
		done <- &resp
	}()
	if err := del("a1", "s1"); err != nil {
		t.Fatal(err)
	}
	select {
	case resp := <-done:
		if len(resp.Services) != 1 || resp.Services[0].AllocID != "a2" {
			t.Fatalf("after delete: %+v", resp.Services)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the blocking query did not return after the delete")
	}

	// A user's delete by ID; an unknown one is not found.
	dreq := &structs.ServiceRegistrationDeleteByIDRequest{ID: "nope"}
	if err := s.RPC("ServiceRegistration.DeleteByID", dreq, &structs.GenericResponse{}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown ID: %v", err)
	}
	dreq.ID = structs.ServiceRegistrationID("a2", "web", "api", "http")
	if err := s.RPC("ServiceRegistration.DeleteByID", dreq, &structs.GenericResponse{}); err != nil {
		t.Fatal(err)
	}
	if regs, _ := s.State().ServiceRegistrationsByName(nil, structs.DefaultNamespace, "api"); len(regs) != 0 {
		t.Fatalf("left: %+v", regs)
	}

	// ListBalanced keeps only the instances of services with an lb block.
	lb := endpointReg("a2", "n2", job.ID, "front", 8090)
	lb.LB = &structs.ServiceLB{Listen: 18080, Mode: structs.LBModeHTTP, Algorithm: structs.LBRoundRobin}
	if err := upsert("s2", lb); err != nil {
		t.Fatal(err)
	}
	var balanced structs.ServiceRegistrationByNameResponse
	if err := s.RPC("ServiceRegistration.ListBalanced", &structs.ServiceRegistrationListRequest{}, &balanced); err != nil {
		t.Fatal(err)
	}
	if len(balanced.Services) != 1 || balanced.Services[0].ServiceName != "front" || balanced.Services[0].LB.Listen != 18080 || balanced.Index == 0 {
		t.Fatalf("ListBalanced: %+v index %d", balanced.Services, balanced.Index)
	}
	// An lb block that is out of bounds is refused at registration.
	badLB := endpointReg("a2", "n2", job.ID, "front2", 8091)
	badLB.LB = &structs.ServiceLB{Listen: 70000}
	if err := upsert("s2", badLB); err == nil || !strings.Contains(err.Error(), "1 to 65535") {
		t.Fatalf("bad lb: %v", err)
	}
}

func TestServiceRegistrationsSurviveSnapshot(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, secretNode("n1", "s1"))
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")
	if err := s.RPC("ServiceRegistration.Upsert", &structs.ServiceRegistrationUpsertRequest{
		Services: []*structs.ServiceRegistration{endpointReg("a1", "n1", job.ID, "api", 8080)}, SecretID: "s1"}, &structs.GenericResponse{}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.fsm.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	fresh := testFSM(t)
	if err := fresh.Restore(ioNopCloser{bytes.NewReader(sink.Bytes())}); err != nil {
		t.Fatal(err)
	}
	regs, err := fresh.State().ServiceRegistrationsByName(nil, structs.DefaultNamespace, "api")
	if err != nil || len(regs) != 1 || regs[0].Port != 8080 {
		t.Fatalf("restored: %+v, %v", regs, err)
	}
}
