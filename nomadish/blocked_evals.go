package nomadish

import (
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// blockedEvals holds the leader's blocked evaluations: those that could
// not place everything and wait for capacity. Each records the computed
// node classes it found eligible (ClassEligibility) unless its constraints
// escaped the class (EscapedComputedClass). A change on a node of class C
// — a node registering, becoming ready or eligible, or allocations on it
// stopping — unblocks every evaluation that found C eligible or never saw
// C, and every escaped one. Unblocked evaluations go to the eval broker
// as they are (status blocked), so the scheduler either completes them or
// re-blocks them. At most one evaluation per job is blocked: a newer one
// replaces an older one, which is cancelled.
//
// An evaluation blocked on a snapshot older than an unblock of one of its
// classes missed that unblock, and goes straight back to the broker.
type blockedEvals struct {
	logger  hclog.Logger
	enqueue func([]*structs.Evaluation)
	cancel  func([]*structs.Evaluation)

	mu       sync.Mutex // guards the fields below
	enabled  bool
	captured map[string]*structs.Evaluation // class-specific, by eval ID
	escaped  map[string]*structs.Evaluation // escaped the computed class
	jobs     map[structs.NamespacedID]string
	// unblockIndexes is, per class, the index of its latest unblock;
	// anyUnblock the latest unblock of any class.
	unblockIndexes map[string]uint64
	anyUnblock     uint64
}

func newBlockedEvals(logger hclog.Logger, enqueue, cancel func([]*structs.Evaluation)) *blockedEvals {
	b := &blockedEvals{logger: logger.Named("blocked_evals"), enqueue: enqueue, cancel: cancel}
	b.resetLocked()
	return b
}

func (b *blockedEvals) resetLocked() {
	b.captured = map[string]*structs.Evaluation{}
	b.escaped = map[string]*structs.Evaluation{}
	b.jobs = map[structs.NamespacedID]string{}
	b.unblockIndexes = map[string]uint64{}
	b.anyUnblock = 0
}

// SetEnabled turns the tracker on with leadership; turning it off forgets
// everything.
func (b *blockedEvals) SetEnabled(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.enabled == on {
		return
	}
	b.enabled = on
	if !on {
		b.resetLocked()
	}
}

// Block tracks a blocked evaluation.
func (b *blockedEvals) Block(eval *structs.Evaluation) {
	var enqueue, cancel []*structs.Evaluation
	b.mu.Lock()
	func() {
		if !b.enabled {
			return
		}
		key := jobKey(eval)
		if oldID, ok := b.jobs[key]; ok && oldID != eval.ID {
			old := b.lookupLocked(oldID)
			if old != nil && old.CreateIndex > eval.CreateIndex {
				cancel = append(cancel, eval)
				return
			}
			if old != nil {
				b.removeLocked(old)
				cancel = append(cancel, old)
			}
		}
		if b.missedUnblockLocked(eval) {
			b.removeLocked(eval)
			enqueue = append(enqueue, eval)
			return
		}
		b.jobs[key] = eval.ID
		if eval.EscapedComputedClass {
			delete(b.captured, eval.ID)
			b.escaped[eval.ID] = eval
		} else {
			delete(b.escaped, eval.ID)
			b.captured[eval.ID] = eval
		}
	}()
	b.mu.Unlock()
	b.cancel(cancel)
	b.enqueue(enqueue)
}

func (b *blockedEvals) lookupLocked(id string) *structs.Evaluation {
	if e := b.captured[id]; e != nil {
		return e
	}
	return b.escaped[id]
}

func (b *blockedEvals) removeLocked(e *structs.Evaluation) {
	delete(b.captured, e.ID)
	delete(b.escaped, e.ID)
	if key := jobKey(e); b.jobs[key] == e.ID {
		delete(b.jobs, key)
	}
}

// missedUnblockLocked reports whether a class the evaluation could use
// was unblocked after the snapshot the evaluation was blocked on.
func (b *blockedEvals) missedUnblockLocked(e *structs.Evaluation) bool {
	if e.EscapedComputedClass {
		return b.anyUnblock > e.SnapshotIndex
	}
	for class, idx := range b.unblockIndexes {
		if idx <= e.SnapshotIndex {
			continue
		}
		if elig, seen := e.ClassEligibility[class]; !seen || elig {
			return true
		}
	}
	return false
}

// Remove stops tracking an evaluation that reached a terminal status.
func (b *blockedEvals) Remove(evalID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.lookupLocked(evalID); e != nil {
		b.removeLocked(e)
	}
}

// Untrack cancels the job's blocked evaluation: a later evaluation of the
// job placed everything.
func (b *blockedEvals) Untrack(namespace, jobID string) {
	var cancel []*structs.Evaluation
	b.mu.Lock()
	if id, ok := b.jobs[structs.NamespacedID{Namespace: namespace, ID: jobID}]; ok {
		if e := b.lookupLocked(id); e != nil {
			b.removeLocked(e)
			cancel = append(cancel, e)
		}
	}
	b.mu.Unlock()
	b.cancel(cancel)
}

// Unblock releases the evaluations that may fit on a node of class,
// which changed at index.
func (b *blockedEvals) Unblock(class string, index uint64) {
	b.mu.Lock()
	if !b.enabled {
		b.mu.Unlock()
		return
	}
	if index > b.unblockIndexes[class] {
		b.unblockIndexes[class] = index
	}
	if index > b.anyUnblock {
		b.anyUnblock = index
	}
	var out []*structs.Evaluation
	for _, e := range b.captured {
		if elig, seen := e.ClassEligibility[class]; !seen || elig {
			out = append(out, e)
		}
	}
	for _, e := range b.escaped {
		out = append(out, e)
	}
	for _, e := range out {
		b.removeLocked(e)
	}
	b.mu.Unlock()
	if len(out) > 0 {
		b.logger.Debug("unblocking evaluations", "class", class, "index", index, "count", len(out))
	}
	b.enqueue(out)
}

// UnblockFailed releases the evaluations blocked because their plans kept
// conflicting (max-plan-attempts), which no capacity change may follow.
func (b *blockedEvals) UnblockFailed() {
	b.mu.Lock()
	var out []*structs.Evaluation
	for _, m := range []map[string]*structs.Evaluation{b.captured, b.escaped} {
		for _, e := range m {
			if e.TriggeredBy == structs.EvalTriggerMaxPlans {
				out = append(out, e)
			}
		}
	}
	for _, e := range out {
		b.removeLocked(e)
	}
	b.mu.Unlock()
	b.enqueue(out)
}

// Len counts the blocked evaluations.
func (b *blockedEvals) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.captured) + len(b.escaped)
}
