package scheduler

import (
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestNextDelay(t *testing.T) {
	ev := func(delays ...time.Duration) []*structs.RescheduleEvent {
		var out []*structs.RescheduleEvent
		for i, d := range delays {
			out = append(out, &structs.RescheduleEvent{RescheduleTime: testNow.Add(time.Duration(i) * time.Second).UnixNano(), Delay: d})
		}
		return out
	}
	s := time.Second
	for _, tc := range []struct {
		name   string
		policy structs.ReschedulePolicy
		events []*structs.RescheduleEvent
		want   time.Duration
	}{
		{"constant first", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "constant"}, nil, 5 * s},
		{"constant later", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "constant"}, ev(5*s, 5*s), 5 * s},
		{"exponential first", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "exponential", MaxDelay: time.Hour}, nil, 5 * s},
		{"exponential doubles", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "exponential", MaxDelay: time.Hour}, ev(5*s, 10*s), 20 * s},
		{"exponential capped", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "exponential", MaxDelay: 15 * s}, ev(5*s, 10*s), 15 * s},
		{"fibonacci second", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "fibonacci", MaxDelay: time.Hour}, ev(5 * s), 5 * s},
		{"fibonacci sums", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "fibonacci", MaxDelay: time.Hour}, ev(5*s, 5*s, 10*s), 15 * s},
		{"fibonacci capped", structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "fibonacci", MaxDelay: 12 * s}, ev(5*s, 5*s, 10*s), 12 * s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextDelay(&tc.policy, tc.events, testNow.Add(5*time.Second)); got != tc.want {
				t.Fatalf("delay %s, want %s", got, tc.want)
			}
		})
	}
	// A long healthy run resets the sequence.
	p := &structs.ReschedulePolicy{Delay: 5 * s, DelayFunction: "exponential", MaxDelay: time.Minute}
	if got := nextDelay(p, ev(5*s, 10*s), testNow.Add(time.Hour)); got != 5*s {
		t.Fatalf("after a long run: %s, want reset to 5s", got)
	}
}

func TestDecideReschedule(t *testing.T) {
	failedAt := testNow.Add(-10 * time.Second)
	alloc := func(events int) *structs.Allocation {
		a := &structs.Allocation{ID: "a", NodeID: "n", ClientStatus: structs.AllocClientStatusFailed,
			TaskStates: map[string]*structs.TaskState{"t": {FinishedAt: failedAt}}}
		if events > 0 {
			a.RescheduleTracker = &structs.RescheduleTracker{}
			for i := 0; i < events; i++ {
				a.RescheduleTracker.Events = append(a.RescheduleTracker.Events, &structs.RescheduleEvent{RescheduleTime: testNow.Add(-time.Minute).UnixNano(), Delay: time.Second})
			}
		}
		return a
	}
	limited := &structs.ReschedulePolicy{Attempts: 2, Interval: time.Hour, Delay: 30 * time.Second, DelayFunction: "constant"}
	if d := decideReschedule(alloc(0), limited, testNow); !d.eligible || !d.at.Equal(failedAt.Add(30*time.Second)) {
		t.Fatalf("first attempt: %+v", d)
	}
	if d := decideReschedule(alloc(2), limited, testNow); d.eligible {
		t.Fatal("attempts exhausted within the interval, still eligible")
	}
	if d := decideReschedule(alloc(2), limited, testNow.Add(2*time.Hour)); !d.eligible {
		t.Fatal("attempts outside the interval still counted")
	}
	if d := decideReschedule(alloc(0), nil, testNow); d.eligible {
		t.Fatal("eligible without a policy")
	}
	unlimited := &structs.ReschedulePolicy{Unlimited: true, Delay: time.Second, DelayFunction: "constant"}
	if d := decideReschedule(alloc(50), unlimited, testNow); !d.eligible {
		t.Fatal("unlimited policy gave up")
	}
	tr := nextTracker(alloc(5), limited, testNow, time.Second)
	if len(tr.Events) != 2 || tr.Events[1].PrevAllocID != "a" || tr.Events[1].PrevNodeID != "n" {
		t.Fatalf("tracker %+v", tr.Events)
	}
}

// TestService_RescheduleWithDelay: a failed allocation whose delay has
// not passed gets a follow-up evaluation due when it ends; running that
// evaluation replaces it away from the node it failed on.
func TestService_RescheduleWithDelay(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("flaky")
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].ReschedulePolicy = &structs.ReschedulePolicy{Attempts: 3, Interval: time.Hour, Delay: 30 * time.Second, DelayFunction: "constant"}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	orig := h.liveAllocs(job)[0]

	failedAt := testNow.Add(-10 * time.Second)
	h.setClientStatus(structs.AllocClientStatusFailed, failedAt, orig)
	h.process(newEval(job, structs.EvalTriggerRetryFailedAlloc))

	if len(h.created) != 1 {
		t.Fatalf("created %d evals, want 1 follow-up", len(h.created))
	}
	follow := h.created[0]
	if !follow.WaitUntil.Equal(failedAt.Add(30*time.Second)) || follow.TriggeredBy != structs.EvalTriggerRetryFailedAlloc || follow.Status != structs.EvalStatusPending {
		t.Fatalf("follow-up %+v", follow)
	}
	plan := h.lastPlan()
	if countStopped(plan) != 0 || len(plan.NodeAllocation[orig.NodeID]) != 1 || plan.NodeAllocation[orig.NodeID][0].FollowupEvalID != follow.ID {
		t.Fatalf("plan before the delay: placed %v", planned(plan))
	}

	// A second evaluation before the delay creates no second follow-up.
	h.created = nil
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if len(h.created) != 0 {
		t.Fatalf("duplicate follow-up: %+v", h.created)
	}

	// At the follow-up's time the allocation is replaced elsewhere.
	h.process(follow)
	plan = h.lastPlan()
	if len(plan.NodeUpdate[orig.NodeID]) != 1 || plan.NodeUpdate[orig.NodeID][0].DesiredDescription != descRescheduled {
		t.Fatalf("failed alloc not stopped: %+v", plan.NodeUpdate)
	}
	if countPlaced(plan) != 1 {
		t.Fatalf("placed %v", planned(plan))
	}
	for node, list := range plan.NodeAllocation {
		a := list[0]
		if node == orig.NodeID {
			t.Fatal("rescheduled onto the node it failed on")
		}
		if a.PreviousAllocation != orig.ID || a.Name != orig.Name || a.RescheduleTracker == nil || len(a.RescheduleTracker.Events) != 1 {
			t.Fatalf("replacement %+v", a)
		}
	}
}

func TestService_RescheduleAttemptsExhausted(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockJob("done-trying")
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].ReschedulePolicy = &structs.ReschedulePolicy{Attempts: 0}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	h.setClientStatus(structs.AllocClientStatusFailed, testNow.Add(-time.Minute), h.liveAllocs(job)...)
	plans := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerRetryFailedAlloc))
	if len(h.plans) != plans || len(h.created) != 0 {
		t.Fatalf("a failed allocation without attempts left was replaced")
	}
}

func TestBatch_NeverReplacesComplete(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockBatchJob("batch")
	j.TaskGroups[0].Count = 3
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	allocs := h.liveAllocs(job)
	h.setClientStatus(structs.AllocClientStatusComplete, testNow, allocs[0], allocs[1])
	h.setNodeStatus(allocs[0].NodeID, structs.NodeStatusDown)
	plans := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	if len(h.plans) != plans {
		t.Fatalf("plan submitted for a batch job whose allocations completed: %v", planned(h.lastPlan()))
	}

	// A lost batch allocation that had not completed is replaced.
	h.setNodeStatus(allocs[2].NodeID, structs.NodeStatusDown)
	h.process(newEval(job, structs.EvalTriggerNodeUpdate))
	plan := h.lastPlan()
	if countPlaced(plan) != 1 || countStopped(plan) != 1 {
		t.Fatalf("placed %v stopped %d", planned(plan), countStopped(plan))
	}
}

func TestBatch_RescheduleFailed(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 2, nil)
	j := mockBatchJob("batchfail")
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].ReschedulePolicy = &structs.ReschedulePolicy{Attempts: 1, Interval: time.Hour, Delay: 5 * time.Second, DelayFunction: "constant"}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	a := h.liveAllocs(job)[0]
	h.setClientStatus(structs.AllocClientStatusFailed, testNow.Add(-time.Minute), a)
	h.process(newEval(job, structs.EvalTriggerRetryFailedAlloc))
	if countPlaced(h.lastPlan()) != 1 {
		t.Fatalf("not rescheduled: %v", planned(h.lastPlan()))
	}
	// The replacement fails too: one attempt was allowed, so no more.
	b := h.liveAllocs(job)[0]
	h.setClientStatus(structs.AllocClientStatusFailed, testNow.Add(-time.Second), b)
	plans := len(h.plans)
	h.process(newEval(job, structs.EvalTriggerRetryFailedAlloc))
	if len(h.plans) != plans {
		t.Fatalf("rescheduled beyond the policy: %v", planned(h.lastPlan()))
	}
}
