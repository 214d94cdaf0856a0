package state

import (
	"errors"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func batchNode(id string) *structs.Node {
	return &structs.Node{ID: id, Name: id, Datacenter: "dc1", Status: structs.NodeStatusReady}
}

// The writes of a batch become visible together, or not at all.
func TestBatch_CommitsAllOrNothing(t *testing.T) {
	s, err := NewStateStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Batch(func() error {
		if err := s.UpsertNode(1, batchNode("n1")); err != nil {
			return err
		}
		if n, _ := s.NodeByID(nil, "n1"); n != nil {
			t.Error("a batch's write is visible before it commits")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("batch error = %v", err)
	}
	if n, _ := s.NodeByID(nil, "n1"); n != nil {
		t.Fatal("the write of a failed batch was kept")
	}
	if idx, _ := s.LatestIndex(); idx != 0 {
		t.Fatalf("a failed batch moved the index to %d", idx)
	}

	// A panic aborts the batch and releases the store.
	func() {
		defer func() { _ = recover() }()
		_ = s.Batch(func() error {
			_ = s.UpsertNode(2, batchNode("n2"))
			panic("bug")
		})
	}()
	if n, _ := s.NodeByID(nil, "n2"); n != nil {
		t.Fatal("the write of a panicking batch was kept")
	}

	err = s.Batch(func() error {
		if err := s.UpsertNode(3, batchNode("n3")); err != nil {
			return err
		}
		return s.UpdateNodeStatus(3, "n3", structs.NodeStatusDown, 7, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NodeByID(nil, "n3"); n == nil || n.Status != structs.NodeStatusDown {
		t.Fatalf("node after a committed batch: %+v", n)
	}
	// Writes outside a batch commit on their own again.
	if err := s.UpsertNode(4, batchNode("n4")); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NodeByID(nil, "n4"); n == nil {
		t.Fatal("a write after the batches was not kept")
	}
}
