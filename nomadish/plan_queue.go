package nomadish

import (
	"container/heap"
	"errors"
	"sync"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// ErrPlanQueueDisabled is returned for plans submitted to, or waiting in,
// the plan queue of a server that is not (or no longer) the leader.
var ErrPlanQueueDisabled = errors.New("plan queue disabled: not the leader")

// planQueue holds submitted plans for the leader's plan applier, highest
// priority first, then first come.
type planQueue struct {
	mu      sync.Mutex // guards the fields below
	enabled bool
	seq     uint64
	heap    planHeap
	readyCh chan struct{} // closed and replaced on every enqueue and disable
}

// pendingPlan is a plan waiting for the applier's answer.
type pendingPlan struct {
	plan     *structs.Plan
	enqueued time.Time
	seq      uint64
	respCh   chan planResponse // buffered: respond never blocks
}

type planResponse struct {
	result *structs.PlanResult
	err    error
}

func newPlanQueue() *planQueue { return &planQueue{readyCh: make(chan struct{})} }

// respond answers the submitter.
func (p *pendingPlan) respond(result *structs.PlanResult, err error) {
	p.respCh <- planResponse{result: result, err: err}
}

// SetEnabled turns the queue on with leadership; turning it off fails
// every waiting plan.
func (q *planQueue) SetEnabled(on bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.enabled == on {
		return
	}
	q.enabled = on
	if !on {
		for _, p := range q.heap {
			p.respond(nil, ErrPlanQueueDisabled)
		}
		q.heap = nil
	}
	close(q.readyCh)
	q.readyCh = make(chan struct{})
}

// Enqueue adds a plan; the answer arrives on the pending plan's respCh.
func (q *planQueue) Enqueue(plan *structs.Plan) (*pendingPlan, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.enabled {
		return nil, ErrPlanQueueDisabled
	}
	q.seq++
	p := &pendingPlan{plan: plan, enqueued: time.Now(), seq: q.seq, respCh: make(chan planResponse, 1)}
	heap.Push(&q.heap, p)
	close(q.readyCh)
	q.readyCh = make(chan struct{})
	return p, nil
}

// Dequeue waits for the next plan until stopCh closes or the queue is
// disabled.
func (q *planQueue) Dequeue(stopCh <-chan struct{}) (*pendingPlan, error) {
	for {
		q.mu.Lock()
		if !q.enabled {
			q.mu.Unlock()
			return nil, ErrPlanQueueDisabled
		}
		if len(q.heap) > 0 {
			p := heap.Pop(&q.heap).(*pendingPlan)
			q.mu.Unlock()
			return p, nil
		}
		ch := q.readyCh
		q.mu.Unlock()
		select {
		case <-ch:
		case <-stopCh:
			return nil, ErrPlanQueueDisabled
		}
	}
}

// Len counts waiting plans.
func (q *planQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.heap)
}

type planHeap []*pendingPlan

func (h planHeap) Len() int { return len(h) }
func (h planHeap) Less(i, j int) bool {
	if h[i].plan.Priority != h[j].plan.Priority {
		return h[i].plan.Priority > h[j].plan.Priority
	}
	return h[i].seq < h[j].seq
}
func (h planHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *planHeap) Push(x any)   { *h = append(*h, x.(*pendingPlan)) }
func (h *planHeap) Pop() any {
	old := *h
	n := len(old)
	p := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return p
}
