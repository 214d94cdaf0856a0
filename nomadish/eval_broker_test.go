package nomadish

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func testBroker(t *testing.T, cfg brokerConfig) (*evalBroker, *fakeClock) {
	t.Helper()
	clock := newFakeClock(time.Unix(1_700_000_000, 0))
	b := newEvalBroker(clock, testLogger("broker"), cfg)
	b.SetEnabled(true)
	t.Cleanup(func() { b.SetEnabled(false) })
	return b, clock
}

// brokerEval is a pending service evaluation; index is both its create
// and modify index.
func brokerEval(id, job string, priority int, index uint64) *structs.Evaluation {
	return &structs.Evaluation{ID: id, Namespace: "default", JobID: job, Type: structs.JobTypeService,
		Priority: priority, Status: structs.EvalStatusPending, CreateIndex: index, ModifyIndex: index}
}

// mustDequeue takes an evaluation that is (or will shortly be) ready.
func mustDequeue(t *testing.T, b *evalBroker, schedulers ...string) (*structs.Evaluation, string) {
	t.Helper()
	if len(schedulers) == 0 {
		schedulers = []string{structs.JobTypeService}
	}
	e, token, err := b.Dequeue(schedulers, 5*time.Second, nil)
	if err != nil {
		t.Fatalf("dequeue: %v", err)
	}
	if e == nil {
		t.Fatal("dequeue: nothing ready")
	}
	return e, token
}

func mustBeEmpty(t *testing.T, b *evalBroker, schedulers ...string) {
	t.Helper()
	if len(schedulers) == 0 {
		schedulers = []string{structs.JobTypeService}
	}
	e, _, err := b.Dequeue(schedulers, 0, nil)
	if err != nil || e != nil {
		t.Fatalf("dequeue = %v, %v; want nothing ready", e, err)
	}
}

func TestEvalBroker_PriorityThenAge(t *testing.T) {
	b, _ := testBroker(t, brokerConfig{})
	b.Enqueue(brokerEval("low-new", "a", 50, 10))
	b.Enqueue(brokerEval("high", "b", 70, 11))
	b.Enqueue(brokerEval("low-old", "c", 50, 5))
	batch := brokerEval("batch", "d", 100, 1)
	batch.Type = structs.JobTypeBatch
	b.Enqueue(batch)

	var got []string
	for range 3 {
		e, token := mustDequeue(t, b)
		got = append(got, e.ID)
		if err := b.Ack(e.ID, token); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(got) != "[high low-old low-new]" {
		t.Fatalf("service order = %v", got)
	}
	mustBeEmpty(t, b)
	if e, _ := mustDequeue(t, b, structs.JobTypeService, structs.JobTypeBatch); e.ID != "batch" {
		t.Fatalf("got %s", e.ID)
	}
}

func TestEvalBroker_OneInFlightPerJob(t *testing.T) {
	b, _ := testBroker(t, brokerConfig{})
	b.Enqueue(brokerEval("e1", "web", 50, 10))
	b.Enqueue(brokerEval("e2", "web", 50, 11))
	b.Enqueue(brokerEval("e3", "web", 50, 12))
	b.Enqueue(brokerEval("e3", "web", 50, 12)) // duplicates are ignored
	b.Enqueue(brokerEval("other", "api", 50, 13))

	e, token := mustDequeue(t, b)
	if e.ID != "e1" {
		t.Fatalf("got %s", e.ID)
	}
	if o, _ := mustDequeue(t, b); o.ID != "other" {
		t.Fatalf("got %s", o.ID)
	}
	mustBeEmpty(t, b)
	if st := b.Stats(); st.TotalPending != 2 || st.TotalUnacked != 2 {
		t.Fatalf("stats = %+v", st)
	}

	// Acking e1 releases the newest waiting one and cancels the rest.
	if err := b.Ack(e.ID, token); err != nil {
		t.Fatal(err)
	}
	if e, _ := mustDequeue(t, b); e.ID != "e3" {
		t.Fatalf("got %s, want the newest", e.ID)
	}
	failed, canceled := b.Outputs()
	if len(failed) != 0 || len(canceled) != 1 || canceled[0].ID != "e2" {
		t.Fatalf("failed %v canceled %v", failed, canceled)
	}
	select {
	case <-b.OutCh():
	default:
		t.Fatal("outputs not signalled")
	}
}

func TestEvalBroker_NackTimeoutRedelivers(t *testing.T) {
	b, clock := testBroker(t, brokerConfig{NackTimeout: time.Minute})
	b.Enqueue(brokerEval("e1", "web", 50, 10))
	e, first := mustDequeue(t, b)
	if tok, ok := b.Outstanding(e.ID); !ok || tok != first {
		t.Fatalf("outstanding = %q %v", tok, ok)
	}

	clock.Advance(59 * time.Second)
	mustBeEmpty(t, b)
	clock.Advance(time.Second)
	// Redelivered after the timeout (no nack delay configured).
	again, second := mustDequeue(t, b)
	if again.ID != "e1" || second == first {
		t.Fatalf("redelivered %s with token %q (first %q)", again.ID, second, first)
	}
	if err := b.Ack(e.ID, first); !errors.Is(err, ErrTokenMismatch) {
		t.Fatalf("ack with the stale token = %v", err)
	}
	if err := b.Ack(e.ID, second); err != nil {
		t.Fatal(err)
	}
	if err := b.Ack(e.ID, second); !errors.Is(err, ErrNotOutstanding) {
		t.Fatalf("second ack = %v", err)
	}
}

func TestEvalBroker_NackDelayThenDeliveryLimit(t *testing.T) {
	b, clock := testBroker(t, brokerConfig{DeliveryLimit: 3, InitialNackDelay: time.Second, SubsequentNackDelay: 10 * time.Second})
	b.Enqueue(brokerEval("e1", "web", 50, 10))
	b.Enqueue(brokerEval("e2", "web", 50, 11))

	e, token := mustDequeue(t, b)
	if err := b.Nack(e.ID, token); err != nil {
		t.Fatal(err)
	}
	mustBeEmpty(t, b) // held back by the initial nack delay; e2 still waits behind it
	if st := b.Stats(); st.TotalWaiting != 1 || st.TotalPending != 1 {
		t.Fatalf("stats = %+v", st)
	}
	clock.Advance(time.Second)
	e, token = mustDequeue(t, b)
	if err := b.Nack(e.ID, token); err != nil {
		t.Fatal(err)
	}
	clock.Advance(9 * time.Second)
	mustBeEmpty(t, b)
	clock.Advance(time.Second)
	e, token = mustDequeue(t, b)
	if e.ID != "e1" {
		t.Fatalf("got %s", e.ID)
	}
	// Third delivery nacked: the limit is reached.
	if err := b.Nack(e.ID, token); err != nil {
		t.Fatal(err)
	}
	failed, _ := b.Outputs()
	if len(failed) != 1 || failed[0].ID != "e1" {
		t.Fatalf("failed = %v", failed)
	}
	// The job's next evaluation goes ahead.
	if e, _ := mustDequeue(t, b); e.ID != "e2" {
		t.Fatalf("got %s", e.ID)
	}
}

func TestEvalBroker_DelayedEvalReleasedByClock(t *testing.T) {
	b, clock := testBroker(t, brokerConfig{})
	e := brokerEval("later", "web", 50, 10)
	e.WaitUntil = clock.Now().Add(10 * time.Minute)
	b.Enqueue(e)
	b.Enqueue(brokerEval("now", "api", 50, 11))

	got, token := mustDequeue(t, b)
	if got.ID != "now" {
		t.Fatalf("got %s", got.ID)
	}
	if err := b.Ack(got.ID, token); err != nil {
		t.Fatal(err)
	}
	mustBeEmpty(t, b)
	if st := b.Stats(); st.TotalWaiting != 1 {
		t.Fatalf("stats = %+v", st)
	}
	clock.Advance(10 * time.Minute)
	if got, _ := mustDequeue(t, b); got.ID != "later" {
		t.Fatalf("got %s", got.ID)
	}
}

func TestEvalBroker_RequeueWhileOutstanding(t *testing.T) {
	b, _ := testBroker(t, brokerConfig{})
	e := brokerEval("e1", "web", 50, 10)
	b.Enqueue(e)
	got, token := mustDequeue(t, b)
	// Enqueued again while a worker holds it (a reblocked evaluation
	// unblocked before its ack): delivered again after the ack.
	b.Enqueue(e)
	mustBeEmpty(t, b)
	if err := b.Ack(got.ID, token); err != nil {
		t.Fatal(err)
	}
	if again, _ := mustDequeue(t, b); again.ID != "e1" {
		t.Fatalf("got %s", again.ID)
	}
}

func TestEvalBroker_DisableFlushesAndWakesDequeue(t *testing.T) {
	b, _ := testBroker(t, brokerConfig{})
	b.Enqueue(brokerEval("e1", "web", 50, 10))
	got, token := mustDequeue(t, b)

	errCh := make(chan error, 1)
	go func() {
		_, _, err := b.Dequeue([]string{structs.JobTypeService}, time.Minute, nil)
		errCh <- err
	}()
	b.SetEnabled(false)
	select {
	case err := <-errCh:
		if !errors.Is(err, ErrBrokerDisabled) {
			t.Fatalf("waiting dequeue = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting dequeue not woken")
	}
	if err := b.Ack(got.ID, token); !errors.Is(err, ErrBrokerDisabled) {
		t.Fatalf("ack after disable = %v", err)
	}
	b.Enqueue(brokerEval("e2", "api", 50, 11))
	b.SetEnabled(true)
	mustBeEmpty(t, b)
}

func TestEvalBroker_RestoredOnLeadership(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	pending := &structs.Evaluation{ID: "11111111-0000-0000-0000-000000000001", Namespace: "default", JobID: "web",
		Type: structs.JobTypeService, Priority: 50, Status: structs.EvalStatusPending}
	blocked := &structs.Evaluation{ID: "11111111-0000-0000-0000-000000000002", Namespace: "default", JobID: "api",
		Type: structs.JobTypeService, Priority: 50, Status: structs.EvalStatusBlocked, ClassEligibility: map[string]bool{"c1": true}}
	done := &structs.Evaluation{ID: "11111111-0000-0000-0000-000000000003", Namespace: "default", JobID: "db",
		Type: structs.JobTypeService, Priority: 50, Status: structs.EvalStatusComplete}
	if _, _, err := s.raftApply(structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{pending, blocked, done}}); err != nil {
		t.Fatal(err)
	}
	// The FSM hook fed the live broker and tracker.
	if st := s.evalBroker.Stats(); st.TotalReady != 1 || s.blockedEvals.Len() != 1 {
		t.Fatalf("ready %d blocked %d", st.TotalReady, s.blockedEvals.Len())
	}

	// Losing leadership forgets everything; gaining it rebuilds from state.
	s.stopScheduling()
	if st := s.evalBroker.Stats(); st.TotalReady != 0 || s.blockedEvals.Len() != 0 {
		t.Fatalf("after revoke: ready %d blocked %d", st.TotalReady, s.blockedEvals.Len())
	}
	stopCh := make(chan struct{})
	t.Cleanup(func() { close(stopCh) })
	s.startScheduling(stopCh)
	if st := s.evalBroker.Stats(); st.TotalReady != 1 || s.blockedEvals.Len() != 1 {
		t.Fatalf("after restore: ready %d blocked %d", st.TotalReady, s.blockedEvals.Len())
	}
	e, _, err := s.evalBroker.Dequeue([]string{structs.JobTypeService}, 0, nil)
	if err != nil || e == nil || e.ID != pending.ID {
		t.Fatalf("dequeue = %v %v", e, err)
	}
}
