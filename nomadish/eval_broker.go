package nomadish

import (
	"container/heap"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Broker errors.
var (
	// ErrBrokerDisabled is returned by the broker of a server that is not
	// (or no longer) the leader.
	ErrBrokerDisabled = errors.New("eval broker disabled: not the leader")
	// ErrNotOutstanding is returned when acking, nacking or acting for an
	// evaluation nobody holds: it was never dequeued, or its nack timeout
	// passed and it went to someone else.
	ErrNotOutstanding = errors.New("evaluation is not outstanding")
	// ErrTokenMismatch is returned when the token does not match the
	// evaluation's current delivery.
	ErrTokenMismatch = errors.New("evaluation token does not match")
)

// Broker defaults.
const (
	defaultNackTimeout         = 60 * time.Second
	defaultDeliveryLimit       = 3
	defaultInitialNackDelay    = time.Second
	defaultSubsequentNackDelay = 20 * time.Second
)

// brokerConfig tunes the eval broker.
type brokerConfig struct {
	// NackTimeout is how long a worker may hold an evaluation before it
	// is redelivered as if nacked.
	NackTimeout time.Duration
	// DeliveryLimit is how many times an evaluation is handed out before
	// it goes to the failed queue.
	DeliveryLimit int
	// InitialNackDelay and SubsequentNackDelay hold a nacked evaluation
	// back before it is ready again, after its first and later nacks.
	InitialNackDelay    time.Duration
	SubsequentNackDelay time.Duration
}

// evalBroker is the leader's queue of evaluations. Ready evaluations wait
// in one priority queue per scheduler type, highest priority first, then
// oldest (CreateIndex) first. At most one evaluation per job is ready or
// out with a worker at a time; later ones wait behind it, and when it is
// acked the newest waiting one goes ready and the others are cancelled,
// since it reconciles the same job against newer state. A dequeued
// evaluation must be acked or nacked with its token; a nack, or silence
// past the nack timeout, makes it ready again after a delay, until the
// delivery limit sends it to the failed queue. Evaluations whose WaitUntil
// lies ahead wait in a heap released by the injected clock.
//
// The broker does nothing while disabled: the FSM hands it every pending
// evaluation on every server, and only the leader's is enabled. Failed and
// cancelled evaluations are handed to the leader (Outputs) to be written
// through Raft.
type evalBroker struct {
	clock  Clock
	logger hclog.Logger
	cfg    brokerConfig

	mu      sync.Mutex // guards the fields below
	enabled bool
	stopCh  chan struct{} // closed when disabled; stops the delay loop

	// evals holds every evaluation the broker tracks, with its number
	// of deliveries so far.
	evals map[string]int
	// jobEvals names the one evaluation per job that is ready, out with
	// a worker, or held back after a nack.
	jobEvals map[structs.NamespacedID]string
	// waiting holds the job's later evaluations behind jobEvals'.
	waiting map[structs.NamespacedID][]*structs.Evaluation
	ready   map[string]*evalHeap
	unack   map[string]*unackedEval
	// requeue holds an evaluation enqueued again while out with a
	// worker (a blocked evaluation unblocked before its reblock was
	// acked); it is enqueued when acked.
	requeue map[string]*structs.Evaluation
	delayed delayHeap
	// readyCh is closed and replaced whenever an evaluation becomes
	// ready or the broker is disabled, waking Dequeue.
	readyCh chan struct{}
	// delayWake nudges the delay loop when the earliest release changes.
	delayWake chan struct{}

	failed   []*structs.Evaluation
	canceled []*structs.Evaluation
	// outCh signals that failed or canceled evaluations wait in Outputs.
	outCh chan struct{}
}

type unackedEval struct {
	eval  *structs.Evaluation
	token string
	done  chan struct{} // closed when acked or nacked, stopping the timer
}

// brokerStats are the broker's queue depths.
type brokerStats struct {
	TotalReady   int
	TotalUnacked int
	// TotalPending waits behind another evaluation of the same job.
	TotalPending int
	// TotalWaiting waits for its WaitUntil or a nack delay.
	TotalWaiting int
	ByScheduler  map[string]int
}

func newEvalBroker(clock Clock, logger hclog.Logger, cfg brokerConfig) *evalBroker {
	if cfg.NackTimeout <= 0 {
		cfg.NackTimeout = defaultNackTimeout
	}
	if cfg.DeliveryLimit <= 0 {
		cfg.DeliveryLimit = defaultDeliveryLimit
	}
	if cfg.InitialNackDelay < 0 {
		cfg.InitialNackDelay = 0
	}
	if cfg.SubsequentNackDelay < 0 {
		cfg.SubsequentNackDelay = 0
	}
	b := &evalBroker{
		clock:     clock,
		logger:    logger.Named("eval_broker"),
		cfg:       cfg,
		readyCh:   make(chan struct{}),
		delayWake: make(chan struct{}, 1),
		outCh:     make(chan struct{}, 1),
	}
	b.resetLocked()
	return b
}

func (b *evalBroker) resetLocked() {
	for _, u := range b.unack {
		close(u.done)
	}
	b.evals = map[string]int{}
	b.jobEvals = map[structs.NamespacedID]string{}
	b.waiting = map[structs.NamespacedID][]*structs.Evaluation{}
	b.ready = map[string]*evalHeap{}
	b.unack = map[string]*unackedEval{}
	b.requeue = map[string]*structs.Evaluation{}
	b.delayed = nil
	b.failed = nil
	b.canceled = nil
}

// SetEnabled turns the broker on when this server becomes leader and off
// when it stops being leader; turning it off forgets everything, since a
// new leader rebuilds the queues from state.
func (b *evalBroker) SetEnabled(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if on == b.enabled {
		return
	}
	b.enabled = on
	if on {
		b.stopCh = make(chan struct{})
		go b.runDelayed(b.stopCh)
	} else {
		close(b.stopCh)
		b.resetLocked()
	}
	b.signalReadyLocked()
}

// Enabled reports whether the broker is on.
func (b *evalBroker) Enabled() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.enabled
}

// Enqueue adds an evaluation: pending ones from Raft, blocked ones the
// blocked tracker releases. One already tracked is ignored, unless it is
// out with a worker: then it is enqueued again once acked. The broker
// keeps the pointer; callers must not change the evaluation afterwards.
func (b *evalBroker) Enqueue(eval *structs.Evaluation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.enqueueNewLocked(eval)
}

// EnqueueAll enqueues several evaluations under one lock.
func (b *evalBroker) EnqueueAll(evals []*structs.Evaluation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range evals {
		b.enqueueNewLocked(e)
	}
}

func (b *evalBroker) enqueueNewLocked(eval *structs.Evaluation) {
	if !b.enabled {
		return
	}
	if _, tracked := b.evals[eval.ID]; tracked {
		if _, out := b.unack[eval.ID]; out {
			b.requeue[eval.ID] = eval
		}
		return
	}
	b.evals[eval.ID] = 0
	if eval.WaitUntil.After(b.clock.Now()) {
		b.delayLocked(eval, eval.WaitUntil)
		return
	}
	b.enqueueLocked(eval)
}

// enqueueLocked makes eval ready, or has it wait behind its job's
// evaluation in flight.
func (b *evalBroker) enqueueLocked(eval *structs.Evaluation) {
	key := jobKey(eval)
	if cur, ok := b.jobEvals[key]; ok && cur != eval.ID {
		b.waiting[key] = append(b.waiting[key], eval)
		return
	}
	b.jobEvals[key] = eval.ID
	q := b.ready[eval.Type]
	if q == nil {
		q = &evalHeap{}
		b.ready[eval.Type] = q
	}
	heap.Push(q, eval)
	b.signalReadyLocked()
}

func (b *evalBroker) signalReadyLocked() {
	close(b.readyCh)
	b.readyCh = make(chan struct{})
}

func (b *evalBroker) delayLocked(eval *structs.Evaluation, at time.Time) {
	heap.Push(&b.delayed, delayedEval{eval: eval, at: at})
	if b.delayed[0].eval == eval {
		select {
		case b.delayWake <- struct{}{}:
		default:
		}
	}
}

// Dequeue hands out the highest-priority ready evaluation of one of the
// schedulers, waiting up to timeout (wall time: it bounds an RPC) or until
// cancel closes. It returns a nil evaluation when none came, and
// ErrBrokerDisabled when the broker is off.
func (b *evalBroker) Dequeue(schedulers []string, timeout time.Duration, cancel <-chan struct{}) (*structs.Evaluation, string, error) {
	var timer *time.Timer
	for {
		b.mu.Lock()
		if !b.enabled {
			b.mu.Unlock()
			return nil, "", ErrBrokerDisabled
		}
		if eval := b.popReadyLocked(schedulers); eval != nil {
			token := b.handOutLocked(eval)
			b.mu.Unlock()
			return eval, token, nil
		}
		ch := b.readyCh
		b.mu.Unlock()

		if timer == nil {
			if timeout <= 0 {
				return nil, "", nil
			}
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-timer.C:
			return nil, "", nil
		case <-cancel:
			return nil, "", nil
		}
	}
}

// popReadyLocked takes the best head among the schedulers' queues.
func (b *evalBroker) popReadyLocked(schedulers []string) *structs.Evaluation {
	var best *evalHeap
	for _, s := range schedulers {
		q := b.ready[s]
		if q == nil || q.Len() == 0 {
			continue
		}
		if best == nil || evalBefore((*q)[0], (*best)[0]) {
			best = q
		}
	}
	if best == nil {
		return nil
	}
	return heap.Pop(best).(*structs.Evaluation)
}

// handOutLocked records a delivery and arms its nack timeout.
func (b *evalBroker) handOutLocked(eval *structs.Evaluation) string {
	token := uuid.NewString()
	u := &unackedEval{eval: eval, token: token, done: make(chan struct{})}
	b.unack[eval.ID] = u
	b.evals[eval.ID]++
	b.armNackTimerLocked(u)
	return token
}

func (b *evalBroker) armNackTimerLocked(u *unackedEval) {
	ch, stop := b.clock.NewTimer(b.cfg.NackTimeout)
	go func(id, token string, done chan struct{}) {
		select {
		case <-ch:
			b.logger.Warn("evaluation nack timeout reached; redelivering", "eval_id", id)
			_ = b.Nack(id, token)
		case <-done:
			stop()
		}
	}(u.eval.ID, u.token, u.done)
}

// Outstanding returns the token of an evaluation out with a worker.
func (b *evalBroker) Outstanding(evalID string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.unack[evalID]
	if !ok {
		return "", false
	}
	return u.token, true
}

// CheckToken reports whether token is the evaluation's current delivery.
func (b *evalBroker) CheckToken(evalID, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := b.checkTokenLocked(evalID, token)
	return err
}

func (b *evalBroker) checkTokenLocked(evalID, token string) (*unackedEval, error) {
	if !b.enabled {
		return nil, ErrBrokerDisabled
	}
	u, ok := b.unack[evalID]
	if !ok {
		return nil, ErrNotOutstanding
	}
	if u.token != token {
		return nil, ErrTokenMismatch
	}
	return u, nil
}

// Touch restarts the nack timeout of an evaluation a worker is still
// working on (it submitted a plan).
func (b *evalBroker) Touch(evalID, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.checkTokenLocked(evalID, token)
	if err != nil {
		return err
	}
	close(u.done)
	u.done = make(chan struct{})
	b.armNackTimerLocked(u)
	return nil
}

// Ack completes an evaluation: the job's next waiting evaluation goes
// ready, and an evaluation enqueued again meanwhile is enqueued.
func (b *evalBroker) Ack(evalID, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.checkTokenLocked(evalID, token)
	if err != nil {
		return err
	}
	close(u.done)
	delete(b.unack, evalID)
	delete(b.evals, evalID)
	b.releaseJobLocked(u.eval)
	if r := b.requeue[evalID]; r != nil {
		delete(b.requeue, evalID)
		b.enqueueNewLocked(r)
	}
	return nil
}

// Nack returns an evaluation: it is ready again after the nack delay, or
// goes to the failed queue once delivered DeliveryLimit times.
func (b *evalBroker) Nack(evalID, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.checkTokenLocked(evalID, token)
	if err != nil {
		return err
	}
	close(u.done)
	delete(b.unack, evalID)
	delete(b.requeue, evalID)
	deliveries := b.evals[evalID]
	if deliveries >= b.cfg.DeliveryLimit {
		delete(b.evals, evalID)
		b.releaseJobLocked(u.eval)
		b.failed = append(b.failed, u.eval)
		b.signalOutLocked()
		return nil
	}
	delay := b.cfg.SubsequentNackDelay
	if deliveries <= 1 {
		delay = b.cfg.InitialNackDelay
	}
	if delay > 0 {
		b.delayLocked(u.eval, b.clock.Now().Add(delay))
	} else {
		b.enqueueLocked(u.eval)
	}
	return nil
}

// releaseJobLocked frees the job's slot after eval is done with: the
// newest waiting evaluation of the job goes ready and the older ones are
// cancelled.
func (b *evalBroker) releaseJobLocked(eval *structs.Evaluation) {
	key := jobKey(eval)
	if b.jobEvals[key] == eval.ID {
		delete(b.jobEvals, key)
	}
	waiting := b.waiting[key]
	if len(waiting) == 0 {
		return
	}
	delete(b.waiting, key)
	newest := waiting[0]
	for _, e := range waiting[1:] {
		if e.ModifyIndex > newest.ModifyIndex || (e.ModifyIndex == newest.ModifyIndex && e.CreateIndex > newest.CreateIndex) {
			newest = e
		}
	}
	for _, e := range waiting {
		if e != newest {
			delete(b.evals, e.ID)
			b.canceled = append(b.canceled, e)
		}
	}
	if len(waiting) > 1 {
		b.signalOutLocked()
	}
	b.enqueueLocked(newest)
}

func (b *evalBroker) signalOutLocked() {
	select {
	case b.outCh <- struct{}{}:
	default:
	}
}

// OutCh signals that Outputs has something.
func (b *evalBroker) OutCh() <-chan struct{} { return b.outCh }

// Outputs takes the evaluations that reached the delivery limit and those
// cancelled as superseded; the leader writes their status through Raft.
func (b *evalBroker) Outputs() (failed, canceled []*structs.Evaluation) {
	b.mu.Lock()
	defer b.mu.Unlock()
	failed, canceled = b.failed, b.canceled
	b.failed, b.canceled = nil, nil
	return failed, canceled
}

// Cancel hands evaluations (superseded blocked ones) to Outputs.
func (b *evalBroker) Cancel(evals []*structs.Evaluation) {
	if len(evals) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.enabled {
		return
	}
	b.canceled = append(b.canceled, evals...)
	b.signalOutLocked()
}

// runDelayed releases delayed evaluations when the clock reaches them.
func (b *evalBroker) runDelayed(stopCh chan struct{}) {
	for {
		b.mu.Lock()
		var timerCh <-chan time.Time
		var stop func() bool
		if len(b.delayed) > 0 {
			timerCh, stop = b.clock.NewTimer(b.delayed[0].at.Sub(b.clock.Now()))
		}
		b.mu.Unlock()

		select {
		case <-timerCh:
			b.releaseDelayed()
		case <-b.delayWake:
		case <-stopCh:
			if stop != nil {
				stop()
			}
			return
		}
		if stop != nil {
			stop()
		}
	}
}

func (b *evalBroker) releaseDelayed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.enabled {
		return
	}
	now := b.clock.Now()
	for len(b.delayed) > 0 && !b.delayed[0].at.After(now) {
		d := heap.Pop(&b.delayed).(delayedEval)
		b.enqueueLocked(d.eval)
	}
}

// Stats returns the queue depths.
func (b *evalBroker) Stats() brokerStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := brokerStats{ByScheduler: map[string]int{}, TotalUnacked: len(b.unack), TotalWaiting: len(b.delayed)}
	for name, q := range b.ready {
		s.TotalReady += q.Len()
		s.ByScheduler[name] = q.Len()
	}
	for _, w := range b.waiting {
		s.TotalPending += len(w)
	}
	return s
}

// jobKey is the job an evaluation is for; evaluations without a job each
// stand alone.
func jobKey(e *structs.Evaluation) structs.NamespacedID {
	if e.JobID == "" {
		return structs.NamespacedID{Namespace: "\x00eval", ID: e.ID}
	}
	return structs.NamespacedID{Namespace: e.Namespace, ID: e.JobID}
}

// evalBefore orders ready evaluations: higher priority, then older.
func evalBefore(a, b *structs.Evaluation) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if a.CreateIndex != b.CreateIndex {
		return a.CreateIndex < b.CreateIndex
	}
	return a.ID < b.ID
}

// evalHeap is a ready queue.
type evalHeap []*structs.Evaluation

func (h evalHeap) Len() int           { return len(h) }
func (h evalHeap) Less(i, j int) bool { return evalBefore(h[i], h[j]) }
func (h evalHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *evalHeap) Push(x any)        { *h = append(*h, x.(*structs.Evaluation)) }
func (h *evalHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}

// delayedEval waits until at.
type delayedEval struct {
	eval *structs.Evaluation
	at   time.Time
}

type delayHeap []delayedEval

func (h delayHeap) Len() int           { return len(h) }
func (h delayHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h delayHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)        { *h = append(*h, x.(delayedEval)) }
func (h *delayHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	*h = old[:n-1]
	return e
}
