package nomadish

import (
	"sort"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// blockedHarness records what the tracker releases and cancels.
type blockedHarness struct {
	b        *blockedEvals
	enqueued []string
	canceled []string
}

func newBlockedHarness(t *testing.T) *blockedHarness {
	h := &blockedHarness{}
	h.b = newBlockedEvals(testLogger("blocked"),
		func(es []*structs.Evaluation) {
			for _, e := range es {
				h.enqueued = append(h.enqueued, e.ID)
			}
		},
		func(es []*structs.Evaluation) {
			for _, e := range es {
				h.canceled = append(h.canceled, e.ID)
			}
		})
	h.b.SetEnabled(true)
	return h
}

// take returns and clears what was released, sorted.
func (h *blockedHarness) take() []string {
	out := h.enqueued
	h.enqueued = nil
	sort.Strings(out)
	return out
}

func blockedEval(id, job string, createIndex uint64, elig map[string]bool) *structs.Evaluation {
	return &structs.Evaluation{ID: id, Namespace: "default", JobID: job, Type: structs.JobTypeService,
		Status: structs.EvalStatusBlocked, ClassEligibility: elig, CreateIndex: createIndex, SnapshotIndex: createIndex}
}

func TestBlockedEvals_UnblockByClass(t *testing.T) {
	h := newBlockedHarness(t)
	h.b.Block(blockedEval("likes-c1", "a", 10, map[string]bool{"c1": true, "c2": false}))
	h.b.Block(blockedEval("hates-c2", "b", 10, map[string]bool{"c1": false, "c2": false}))
	escaped := blockedEval("escaped", "c", 10, nil)
	escaped.EscapedComputedClass = true
	h.b.Block(escaped)
	if h.b.Len() != 3 {
		t.Fatalf("len = %d", h.b.Len())
	}

	// c2 is ineligible for both class-specific ones; escaped ones go on
	// any change.
	h.b.Unblock("c2", 20)
	if got := h.take(); len(got) != 1 || got[0] != "escaped" {
		t.Fatalf("unblocked by c2: %v", got)
	}
	h.b.Unblock("c1", 21)
	if got := h.take(); len(got) != 1 || got[0] != "likes-c1" {
		t.Fatalf("unblocked by c1: %v", got)
	}
	// A class never seen might fit.
	h.b.Unblock("c3", 22)
	if got := h.take(); len(got) != 1 || got[0] != "hates-c2" {
		t.Fatalf("unblocked by c3: %v", got)
	}
	if h.b.Len() != 0 {
		t.Fatalf("len = %d", h.b.Len())
	}
}

func TestBlockedEvals_OnePerJobNewestWins(t *testing.T) {
	h := newBlockedHarness(t)
	h.b.Block(blockedEval("old", "web", 10, map[string]bool{"c1": true}))
	h.b.Block(blockedEval("new", "web", 20, map[string]bool{"c1": true}))
	h.b.Block(blockedEval("older", "web", 5, map[string]bool{"c1": true}))
	sort.Strings(h.canceled)
	if h.b.Len() != 1 || len(h.canceled) != 2 || h.canceled[0] != "old" || h.canceled[1] != "older" {
		t.Fatalf("len %d canceled %v", h.b.Len(), h.canceled)
	}
	h.b.Unblock("c1", 30)
	if got := h.take(); len(got) != 1 || got[0] != "new" {
		t.Fatalf("unblocked %v", got)
	}
}

func TestBlockedEvals_MissedUnblockGoesStraightBack(t *testing.T) {
	h := newBlockedHarness(t)
	h.b.Unblock("c1", 50)
	// Blocked on a snapshot (index 40) older than c1's unblock.
	h.b.Block(blockedEval("stale", "web", 40, map[string]bool{"c1": true}))
	if got := h.take(); len(got) != 1 || got[0] != "stale" || h.b.Len() != 0 {
		t.Fatalf("released %v, tracked %d", got, h.b.Len())
	}
	// Blocked on a newer snapshot: it saw the change and stays.
	h.b.Block(blockedEval("fresh", "api", 60, map[string]bool{"c1": true}))
	// Ineligible for the unblocked class: stays too.
	h.b.Block(blockedEval("other", "db", 40, map[string]bool{"c1": false}))
	if got := h.take(); len(got) != 0 || h.b.Len() != 2 {
		t.Fatalf("released %v, tracked %d", got, h.b.Len())
	}
}

func TestBlockedEvals_UntrackAndRemove(t *testing.T) {
	h := newBlockedHarness(t)
	h.b.Block(blockedEval("b1", "web", 10, nil))
	h.b.Block(blockedEval("b2", "api", 10, nil))
	h.b.Untrack("default", "web")
	if len(h.canceled) != 1 || h.canceled[0] != "b1" {
		t.Fatalf("canceled %v", h.canceled)
	}
	h.b.Remove("b2")
	if h.b.Len() != 0 {
		t.Fatalf("len = %d", h.b.Len())
	}
	h.b.SetEnabled(false)
	h.b.Block(blockedEval("b3", "web", 10, nil))
	if h.b.Len() != 0 {
		t.Fatal("a disabled tracker tracks")
	}
}
