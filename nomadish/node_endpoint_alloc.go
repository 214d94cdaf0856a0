package nomadish

import (
	"fmt"
	"sync"

	"github.com/google/uuid"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpdateAlloc takes a client's report of its allocations (client status,
// description, task states, deployment health). Reports arriving while the
// previous batch is being committed are coalesced into the next single
// Raft entry, so thousands of clients acknowledging at once cost few
// entries. An allocation that newly failed gets an evaluation
// (alloc-failure) so the scheduler can reschedule it. SecretID must be the
// secret of the node each known allocation runs on; a mismatch refuses
// the whole report.
func (n *Node) UpdateAlloc(args *structs.AllocUpdateRequest, reply *structs.GenericResponse) error {
	if done, err := n.srv.forward("Node.UpdateAlloc", args, args, reply); done {
		return err
	}
	if len(args.Alloc) == 0 {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Alloc", Message: "at least one allocation is required"}}}
	}
	var problems []structs.FieldError
	for i, a := range args.Alloc {
		switch {
		case a == nil:
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("Alloc[%d]", i), Message: "missing"})
		case a.ID == "":
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("Alloc[%d].ID", i), Message: "required"})
		case !validClientStatus(a.ClientStatus):
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("Alloc[%d].ClientStatus", i),
				Message: fmt.Sprintf("unknown status %q; accepted: pending, running, complete, failed, lost, unknown", a.ClientStatus)})
		}
	}
	if len(problems) > 0 {
		return &structs.ValidationError{Problems: problems}
	}

	now := n.srv.clock().Now()
	st := n.srv.State()
	var evals []*structs.Evaluation
	seen := map[structs.NamespacedID]bool{}
	checked := map[string]bool{} // node IDs whose secret matched
	updates := make([]*structs.Allocation, 0, len(args.Alloc))
	for _, a := range args.Alloc {
		existing, err := st.AllocByID(nil, a.ID)
		if err != nil {
			return fmt.Errorf("update allocation %q: %w", a.ID, err)
		}
		// Only the client of the node an allocation runs on may report
		// it. An unknown allocation is left to the state store, which
		// ignores it.
		if existing != nil && !checked[existing.NodeID] {
			node, err := st.NodeByID(nil, existing.NodeID)
			if err != nil {
				return fmt.Errorf("update allocation %q: %w", a.ID, err)
			}
			if err := checkNodeSecret(node, args.SecretID); err != nil {
				return fmt.Errorf("update allocation %q: %w", a.ID, err)
			}
			checked[existing.NodeID] = true
		}
		u := &structs.Allocation{ID: a.ID, ClientStatus: a.ClientStatus, ClientDescription: a.ClientDescription,
			TaskStates: a.TaskStates, DeploymentStatus: a.DeploymentStatus, ModifyTime: now.UnixNano()}
		updates = append(updates, u)
		trigger := structs.EvalTriggerRetryFailedAlloc
		switch {
		case reconnectReport(existing, a):
			// The scheduler settles a reconnected allocation against
			// the replacement placed while it was unknown.
			trigger = structs.EvalTriggerReconnect
		case a.ClientStatus != structs.AllocClientStatusFailed:
			continue
		case existing == nil || existing.ClientStatus == structs.AllocClientStatusFailed ||
			existing.DesiredStatus != structs.AllocDesiredStatusRun:
			continue
		}
		id := structs.NamespacedID{Namespace: existing.Namespace, ID: existing.JobID}
		if seen[id] {
			continue
		}
		job, err := st.JobByID(nil, existing.Namespace, existing.JobID)
		if err != nil || job == nil || job.Stop {
			continue
		}
		seen[id] = true
		evals = append(evals, &structs.Evaluation{
			ID: uuid.NewString(), Namespace: job.Namespace, Priority: job.Priority, Type: job.Type,
			TriggeredBy: trigger, JobID: job.ID, JobModifyIndex: job.JobModifyIndex,
			NodeID: existing.NodeID, Status: structs.EvalStatusPending, CreateTime: now.UnixNano(), ModifyTime: now.UnixNano(),
		})
	}
	index, err := n.srv.allocUpdates.submit(updates, evals)
	if err != nil {
		return fmt.Errorf("update allocations: %w", err)
	}
	reply.Index = index
	return nil
}

func validClientStatus(s string) bool {
	switch s {
	case structs.AllocClientStatusPending, structs.AllocClientStatusRunning, structs.AllocClientStatusComplete,
		structs.AllocClientStatusFailed, structs.AllocClientStatusLost, structs.AllocClientStatusUnknown:
		return true
	}
	return false
}

// allocUpdateBatcher coalesces clients' allocation updates: the first
// update is applied at once; those that arrive while an apply is in flight
// wait and go together in the next one (group commit). No timer is
// involved, so a lone update is never delayed.
type allocUpdateBatcher struct {
	// apply commits one batch; the server's Raft apply, or a fake in tests.
	apply func(req *structs.AllocUpdateRequest) (uint64, error)

	mu       sync.Mutex // guards the fields below
	next     *allocUpdateBatch
	flushing bool
}

// allocUpdateBatch is one future Raft entry and the result its callers
// wait for.
type allocUpdateBatch struct {
	allocs []*structs.Allocation
	evals  []*structs.Evaluation
	done   chan struct{}
	index  uint64
	err    error
}

func newAllocUpdateBatcher(s *Server) *allocUpdateBatcher {
	return &allocUpdateBatcher{apply: func(req *structs.AllocUpdateRequest) (uint64, error) {
		_, index, err := s.raftApply(structs.AllocClientUpdateRequestType, req)
		return index, err
	}}
}

// submit queues updates and evals for the next entry and waits until it
// is committed. Batches are applied one at a time, in order, so two
// reports of one allocation are never reordered.
func (b *allocUpdateBatcher) submit(allocs []*structs.Allocation, evals []*structs.Evaluation) (uint64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &allocUpdateBatch{done: make(chan struct{})}
	}
	batch := b.next
	batch.allocs = append(batch.allocs, allocs...)
	batch.evals = append(batch.evals, evals...)
	if !b.flushing {
		b.flushing = true
		go b.flushLoop()
	}
	b.mu.Unlock()
	<-batch.done
	return batch.index, batch.err
}

// flushLoop applies pending batches one after another until none is left.
func (b *allocUpdateBatcher) flushLoop() {
	for {
		b.mu.Lock()
		batch := b.next
		b.next = nil
		if batch == nil {
			b.flushing = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.commit(batch)
	}
}

func (b *allocUpdateBatcher) commit(batch *allocUpdateBatch) {
	defer close(batch.done)
	metrics.AddSample([]string{"nomad", "client", "update_alloc_batch"}, float32(len(batch.allocs)))
	batch.index, batch.err = b.apply(&structs.AllocUpdateRequest{Alloc: batch.allocs, Evals: batch.evals})
}
