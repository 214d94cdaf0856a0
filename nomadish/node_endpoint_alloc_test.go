package nomadish

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestNodeUpdateAllocWritesClientStatusAndRetriesFailures(t *testing.T) {
	s, _ := lifecycleServer(t, nil)
	registerNode(t, s, testNode("n1"))
	job := putJob(t, s, mockJob("web"))
	putAlloc(t, s, "a1", job, "n1")
	putAlloc(t, s, "a2", job, "n1")

	update := func(allocs ...*structs.Allocation) (*structs.GenericResponse, error) {
		var resp structs.GenericResponse
		err := s.RPC("Node.UpdateAlloc", &structs.AllocUpdateRequest{Alloc: allocs}, &resp)
		return &resp, err
	}
	states := map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning}}
	resp, err := update(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusRunning, TaskStates: states},
		&structs.Allocation{ID: "gone", ClientStatus: structs.AllocClientStatusRunning})
	if err != nil || resp.Index == 0 {
		t.Fatalf("update: %v %+v", err, resp)
	}
	a1, _ := s.State().AllocByID(nil, "a1")
	if a1.ClientStatus != structs.AllocClientStatusRunning || a1.TaskStates["app"].State != structs.TaskStateRunning || a1.ModifyIndex != resp.Index {
		t.Fatalf("a1 = %s %+v @%d", a1.ClientStatus, a1.TaskStates, a1.ModifyIndex)
	}
	if len(nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerRetryFailedAlloc)) != 0 {
		t.Fatal("running allocation created an evaluation")
	}

	// Two failures of one job: one evaluation.
	if _, err := update(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusFailed, ClientDescription: "exit 1"},
		&structs.Allocation{ID: "a2", ClientStatus: structs.AllocClientStatusFailed}); err != nil {
		t.Fatal(err)
	}
	if evals := nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerRetryFailedAlloc); len(evals) != 1 {
		t.Fatalf("failure evals = %d, want 1", len(evals))
	}
	// Reporting a failure again creates nothing new.
	if _, err := update(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusFailed}); err != nil {
		t.Fatal(err)
	}
	if evals := nodeEvalsFor(t, s, "web", "n1", structs.EvalTriggerRetryFailedAlloc); len(evals) != 1 {
		t.Fatalf("failure evals after repeat = %d, want 1", len(evals))
	}

	_, err = update(&structs.Allocation{ID: "", ClientStatus: "running"}, &structs.Allocation{ID: "x", ClientStatus: "exploded"})
	if !structs.IsValidationError(err) || !containsAll(err.Error(), "Alloc[0].ID", "Alloc[1].ClientStatus", `"exploded"`) {
		t.Fatalf("bad updates: %v", err)
	}
	if _, err := update(); !structs.IsValidationError(err) {
		t.Fatalf("empty update: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// The batcher applies the first update at once and everything that
// arrives meanwhile in one more entry.
func TestAllocUpdateBatcherGroupsWhileApplying(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	var mu sync.Mutex
	var batches []int
	b := &allocUpdateBatcher{apply: func(req *structs.AllocUpdateRequest) (uint64, error) {
		mu.Lock()
		n := len(batches)
		batches = append(batches, len(req.Alloc))
		mu.Unlock()
		if n == 0 {
			close(started)
			<-release
		}
		return uint64(100 + n), nil
	}}
	first := make(chan uint64)
	go func() {
		idx, _ := b.submit([]*structs.Allocation{{ID: "first"}}, nil)
		first <- idx
	}()
	<-started

	const waiting = 20
	var wg sync.WaitGroup
	indexes := make([]uint64, waiting)
	queued := make(chan struct{}, waiting)
	for i := 0; i < waiting; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			queued <- struct{}{}
			indexes[i], _ = b.submit([]*structs.Allocation{{ID: fmt.Sprint(i)}}, nil)
		}(i)
	}
	for i := 0; i < waiting; i++ {
		<-queued
	}
	// Every waiter has at least reached submit; wait until all are in
	// the pending batch.
	waitFor(t, 5e9, func() error {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.next == nil || len(b.next.allocs) != waiting {
			return errors.New("not all queued yet")
		}
		return nil
	})
	close(release)
	if idx := <-first; idx != 100 {
		t.Fatalf("first index = %d", idx)
	}
	wg.Wait()
	for _, idx := range indexes {
		if idx != 101 {
			t.Fatalf("indexes = %v, want all 101", indexes)
		}
	}
	if len(batches) != 2 || batches[0] != 1 || batches[1] != waiting {
		t.Fatalf("batches = %v", batches)
	}
}
