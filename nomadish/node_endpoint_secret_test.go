package nomadish

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// isSecretMismatch reports whether err is the node secret refusal. Over
// RPC the sentinel arrives as text, so both forms are accepted.
func isSecretMismatch(err error) bool {
	return err != nil && (errors.Is(err, ErrNodeSecretMismatch) || strings.Contains(err.Error(), ErrNodeSecretMismatch.Error()))
}

func secretNode(id, secret string) *structs.Node {
	n := testNode(id)
	n.SecretID = secret
	return n
}

func TestNodeSecretGuardsStatusAllocsAndIdentity(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, secretNode("n1", "s1"))
	registerNode(t, s, secretNode("n2", "s2"))
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")
	putAlloc(t, s, "a2", job, "n2")

	status := func(nodeID, secret string) error {
		return s.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: nodeID, SecretID: secret,
			Status: structs.NodeStatusReady}, &structs.NodeUpdateResponse{})
	}
	allocs := func(nodeID, secret string) (*structs.NodeClientAllocsResponse, error) {
		var resp structs.NodeClientAllocsResponse
		err := s.RPC("Node.GetClientAllocs", &structs.NodeSpecificRequest{NodeID: nodeID, SecretID: secret}, &resp)
		return &resp, err
	}
	update := func(secret string, ids ...string) error {
		var list []*structs.Allocation
		for _, id := range ids {
			list = append(list, &structs.Allocation{ID: id, ClientStatus: structs.AllocClientStatusRunning})
		}
		return s.RPC("Node.UpdateAlloc", &structs.AllocUpdateRequest{Alloc: list, SecretID: secret}, &structs.GenericResponse{})
	}

	// The right secret works everywhere.
	if err := status("n1", "s1"); err != nil {
		t.Fatalf("heartbeat with the secret: %v", err)
	}
	if resp, err := allocs("n1", "s1"); err != nil || len(resp.Allocs) != 1 || resp.Allocs["a1"] == 0 {
		t.Fatalf("allocations with the secret: %v %+v", err, resp)
	}
	if err := update("s1", "a1", "unknown"); err != nil {
		t.Fatalf("update with the secret: %v", err)
	}

	// A wrong or empty secret is refused, naming the node.
	for _, secret := range []string{"s2", ""} {
		if err := status("n1", secret); !isSecretMismatch(err) || !strings.Contains(err.Error(), "for node n1") {
			t.Errorf("heartbeat with %q: %v", secret, err)
		}
		if _, err := allocs("n1", secret); !isSecretMismatch(err) {
			t.Errorf("allocations with %q: %v", secret, err)
		}
		if err := update(secret, "a1"); !isSecretMismatch(err) {
			t.Errorf("update with %q: %v", secret, err)
		}
	}
	// One node's secret does not cover another's allocation: the whole
	// report is refused.
	if err := update("s1", "a1", "a2"); !isSecretMismatch(err) || !strings.Contains(err.Error(), "for node n2") {
		t.Errorf("update across nodes: %v", err)
	}
	if a2, _ := s.State().AllocByID(nil, "a2"); a2.ModifyIndex != a2.CreateIndex {
		t.Errorf("refused report changed a2 (modify %d, create %d)", a2.ModifyIndex, a2.CreateIndex)
	}

	// Re-registering with the same secret refreshes the node; another
	// secret (or none) cannot take over its ID.
	registerNode(t, s, secretNode("n1", "s1"))
	for _, secret := range []string{"intruder", ""} {
		err := s.RPC("Node.Register", &structs.NodeRegisterRequest{Node: secretNode("n1", secret)}, &structs.NodeUpdateResponse{})
		if !isSecretMismatch(err) {
			t.Errorf("register n1 with %q: %v", secret, err)
		}
	}
	if n1, _ := s.State().NodeByID(nil, "n1"); n1.SecretID != "s1" {
		t.Errorf("n1 secret = %q after refused registrations", n1.SecretID)
	}

	// A node this server does not know has no allocations to guard.
	if resp, err := allocs("nobody", "x"); err != nil || len(resp.Allocs) != 0 {
		t.Errorf("unknown node: %v %+v", err, resp)
	}
}

// A blocking allocation query with a wrong secret fails at once rather
// than waiting for a change.
func TestGetClientAllocsChecksSecretBeforeBlocking(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, secretNode("n1", "s1"))
	var resp structs.NodeClientAllocsResponse
	req := &structs.NodeSpecificRequest{NodeID: "n1", SecretID: "wrong",
		QueryOptions: structs.QueryOptions{MinQueryIndex: 1 << 40, MaxQueryTime: time.Minute}}
	done := make(chan error, 1)
	go func() { done <- s.RPC("Node.GetClientAllocs", req, &resp) }()
	select {
	case err := <-done:
		if !isSecretMismatch(err) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("query with a wrong secret blocked instead of failing")
	}
}
