package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// disconnectJob is mockJob with count 2 on distinct hosts and a
// disconnect block of lost_after 1h.
func disconnectJob(id string, replace *bool, reconcile string) *structs.Job {
	j := mockJob(id)
	j.TaskGroups[0].Count = 2
	j.TaskGroups[0].Constraints = []*structs.Constraint{{Operand: structs.ConstraintDistinctHosts}}
	j.TaskGroups[0].Disconnect = &structs.DisconnectStrategy{LostAfter: time.Hour, Replace: replace, Reconcile: reconcile}
	j.Canonicalize()
	return j
}

// disconnectSetup places the job on three nodes and disconnects the node
// of one of its allocations, returned, at testNow.
func disconnectSetup(t *testing.T, j *structs.Job) (*harness, *structs.Job, *structs.Allocation) {
	t.Helper()
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.addNodes(2, 1, nil)
	victim := h.liveAllocs(job)[0]
	h.setClientStatus(structs.AllocClientStatusRunning, time.Time{}, h.liveAllocs(job)...)
	if _, err := h.state.UpdateNodeStatusLost(h.nextIndex(), victim.NodeID, structs.NodeStatusDisconnected, testNow.Unix(), nil); err != nil {
		t.Fatal(err)
	}
	a := h.alloc(victim.ID)
	if a.ClientStatus != structs.AllocClientStatusUnknown {
		t.Fatalf("allocation on the disconnected node is %q, want unknown", a.ClientStatus)
	}
	return h, job, a
}

func (h *harness) alloc(id string) *structs.Allocation {
	h.t.Helper()
	a, err := h.state.AllocByID(nil, id)
	if err != nil || a == nil {
		h.t.Fatalf("alloc %s: %v", id, err)
	}
	return a
}

// evalAt is a pending evaluation of the job created at t.
func evalAt(j *structs.Job, trigger string, t time.Time) *structs.Evaluation {
	e := newEval(j, trigger)
	e.CreateTime, e.ModifyTime = t.UnixNano(), t.UnixNano()
	return e
}

// reconnect marks the node ready and the allocation running, as the
// client's heartbeat and resent report do.
func (h *harness) reconnect(a *structs.Allocation) {
	h.t.Helper()
	if _, err := h.state.UpdateNodeStatusLost(h.nextIndex(), a.NodeID, structs.NodeStatusReady, testNow.Unix(), nil); err != nil {
		h.t.Fatal(err)
	}
	h.setClientStatus(structs.AllocClientStatusRunning, time.Time{}, a)
}

func TestDisconnect_ReplacedWhileUnknownThenOriginalKept(t *testing.T) {
	h, job, orig := disconnectSetup(t, disconnectJob("dis", nil, structs.ReconcileOptionKeepOriginal))

	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	plan := h.lastPlan()
	if n := countStopped(plan); n != 0 {
		t.Fatalf("%d allocations stopped while their node is disconnected, want none", n)
	}
	placed := plan.NodeAllocation[nodeID(2)]
	if len(placed) != 1 || placed[0].PreviousAllocation != orig.ID || placed[0].Name != orig.Name {
		t.Fatalf("replacement of the unknown allocation: %+v", placed)
	}
	replacement := placed[0].ID
	if len(h.created) != 1 || h.created[0].TriggeredBy != structs.EvalTriggerMaxDisconnectTimeout || !h.created[0].WaitUntil.Equal(testNow.Add(time.Hour)) {
		t.Fatalf("follow-up evaluations %+v, want one max-disconnect-timeout at lost_after", h.created)
	}
	if got := h.alloc(orig.ID); got.ClientStatus != structs.AllocClientStatusUnknown || got.FollowupEvalID != h.created[0].ID {
		t.Fatalf("unknown allocation after the plan: status %q follow-up %q", got.ClientStatus, got.FollowupEvalID)
	}

	// Another evaluation meanwhile changes nothing.
	plans := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if len(h.plans) != plans || len(h.created) != 1 {
		t.Fatalf("a second evaluation while disconnected planned %d more, created %d follow-ups", len(h.plans)-plans, len(h.created))
	}

	h.reconnect(orig)
	h.process(newEval(job, structs.EvalTriggerReconnect))
	plan = h.lastPlan()
	var stopped []string
	for _, list := range plan.NodeUpdate {
		for _, a := range list {
			stopped = append(stopped, a.ID)
			if a.DesiredDescription != descReconnectKeptOriginal {
				t.Fatalf("stop description %q", a.DesiredDescription)
			}
		}
	}
	if len(stopped) != 1 || stopped[0] != replacement {
		t.Fatalf("stopped %v on reconnect, want only the replacement %s", stopped, replacement)
	}
	got := h.alloc(orig.ID)
	if got.DesiredStatus != structs.AllocDesiredStatusRun || got.ClientStatus != structs.AllocClientStatusRunning || got.FollowupEvalID != "" {
		t.Fatalf("original after reconnect: desired %q client %q follow-up %q", got.DesiredStatus, got.ClientStatus, got.FollowupEvalID)
	}
	if got.Reconnecting() {
		t.Fatal("original still reads as reconnecting after it was settled")
	}
	if live := h.liveAllocs(job); len(live) != 2 {
		t.Fatalf("live %d, want 2", len(live))
	}
}

func TestDisconnect_KeepReplacementStopsOriginal(t *testing.T) {
	h, job, orig := disconnectSetup(t, disconnectJob("dis", nil, structs.ReconcileOptionKeepReplacement))
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	h.reconnect(orig)
	h.process(newEval(job, structs.EvalTriggerReconnect))
	stops := h.lastPlan().NodeUpdate[orig.NodeID]
	if len(stops) != 1 || stops[0].ID != orig.ID || stops[0].DesiredDescription != descReconnectKeptReplacement {
		t.Fatalf("stops on the reconnected node %+v, want the original", stops)
	}
	if live := h.liveAllocs(job); len(live) != 2 {
		t.Fatalf("live %d, want 2", len(live))
	}
}

func TestDisconnect_NoReplaceHoldsSlotThenLostAfterExpiry(t *testing.T) {
	no := false
	h, job, orig := disconnectSetup(t, disconnectJob("dis", &no, ""))
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	plan := h.lastPlan()
	if len(h.plans) != 2 || countStopped(plan) != 0 || countPlaced(plan) != 1 || plan.NodeAllocation[orig.NodeID][0].ID != orig.ID {
		t.Fatalf("replace = false: plan %v stopped %d, want only the follow-up mark on the original", planned(plan), countStopped(plan))
	}
	if len(h.created) != 1 {
		t.Fatalf("follow-ups %d, want 1", len(h.created))
	}

	// Before lost_after: still nothing.
	plans := len(h.plans)
	h.process(evalAt(job, structs.EvalTriggerNodeUpdate, testNow.Add(59*time.Minute)))
	if len(h.plans) != plans {
		t.Fatal("an evaluation before lost_after changed the plan")
	}

	h.process(evalAt(job, structs.EvalTriggerMaxDisconnectTimeout, testNow.Add(time.Hour)))
	plan = h.lastPlan()
	stops := plan.NodeUpdate[orig.NodeID]
	if len(stops) != 1 || stops[0].ID != orig.ID || stops[0].ClientStatus != structs.AllocClientStatusLost {
		t.Fatalf("after lost_after, stops %+v, want the original as lost", stops)
	}
	placed := plan.NodeAllocation[nodeID(2)]
	if len(placed) != 1 || placed[0].PreviousAllocation != orig.ID {
		t.Fatalf("after lost_after, replacement %+v", placed)
	}
}

func TestDisconnect_ExpiryWithReplacementOnlyStops(t *testing.T) {
	h, job, orig := disconnectSetup(t, disconnectJob("dis", nil, ""))
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	h.process(evalAt(job, structs.EvalTriggerMaxDisconnectTimeout, testNow.Add(2*time.Hour)))
	plan := h.lastPlan()
	if countPlaced(plan) != 0 || len(plan.NodeUpdate[orig.NodeID]) != 1 {
		t.Fatalf("expiry with a replacement running: placed %d, stopped %v", countPlaced(plan), plan.NodeUpdate)
	}
	if live := h.liveAllocs(job); len(live) != 2 {
		t.Fatalf("live %d, want 2", len(live))
	}
}

func TestDisconnect_GroupWithoutDisconnectIsLost(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockJob("plain")
	j.TaskGroups[0].Count = 2
	j.TaskGroups[0].Constraints = []*structs.Constraint{{Operand: structs.ConstraintDistinctHosts}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.addNodes(2, 1, nil)
	victim := h.liveAllocs(job)[0]
	if _, err := h.state.UpdateNodeStatusLost(h.nextIndex(), victim.NodeID, structs.NodeStatusDisconnected, testNow.Unix(), nil); err != nil {
		t.Fatal(err)
	}
	if got := h.alloc(victim.ID).ClientStatus; got != structs.AllocClientStatusLost {
		t.Fatalf("allocation of a group without disconnect on a disconnected node is %q, want lost", got)
	}
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if placed := h.lastPlan().NodeAllocation[nodeID(2)]; len(placed) != 1 || placed[0].PreviousAllocation != victim.ID {
		t.Fatalf("replacement %+v", placed)
	}
}

func TestKeepOriginalOnReconnect(t *testing.T) {
	early, late := testNow.Add(-time.Hour), testNow.Add(-time.Minute)
	running := func(at time.Time, node string, score float64) *structs.Allocation {
		return &structs.Allocation{NodeID: node,
			TaskStates: map[string]*structs.TaskState{"web": {State: structs.TaskStateRunning, StartedAt: at}},
			Metrics:    &structs.AllocMetric{Scores: map[string]float64{node + ".normalized-score": score}}}
	}
	orig, repl := running(early, "a", 0.2), running(late, "b", 0.9)
	cases := []struct {
		option string
		want   bool
	}{
		{structs.ReconcileOptionKeepOriginal, true},
		{structs.ReconcileOptionKeepReplacement, false},
		{structs.ReconcileOptionLongestRunning, true},
		{structs.ReconcileOptionBestScore, false},
	}
	for _, c := range cases {
		if got := keepOriginalOnReconnect(c.option, orig, repl, testNow); got != c.want {
			t.Errorf("%s: keep original = %v, want %v", c.option, got, c.want)
		}
	}
	// The other way round, longest_running and best_score flip.
	if keepOriginalOnReconnect(structs.ReconcileOptionLongestRunning, repl, orig, testNow) {
		t.Error("longest_running kept the newer allocation")
	}
	if !keepOriginalOnReconnect(structs.ReconcileOptionBestScore, repl, orig, testNow) {
		t.Error("best_score kept the lower score")
	}
}
