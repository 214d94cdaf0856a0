package nomadish

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

// Worker timings.
const (
	// workerDequeueTimeout is how long one Eval.Dequeue waits for work.
	workerDequeueTimeout = 5 * time.Second
	// workerBackoffMin and workerBackoffMax bound the wait after a
	// failed dequeue (no leader yet, leadership moving).
	workerBackoffMin = 50 * time.Millisecond
	workerBackoffMax = 2 * time.Second
)

// worker runs evaluations on one server: it dequeues from the leader's
// broker (through Eval.Dequeue, served locally on the leader and forwarded
// otherwise), waits until its local state has reached the index the
// leader names, runs the evaluation's scheduler over a snapshot, and acks
// (or nacks on error). It is the scheduler's Planner: plans go to the
// leader's plan queue through Plan.Submit, evaluation changes through
// Eval.Update, Eval.Create and Eval.Reblock, each carrying the delivery's
// token. A scheduler panic is recovered here and fails the evaluation.
type worker struct {
	srv        *Server
	logger     hclog.Logger
	schedulers []string
	// pauseOnLeader idles the worker while its server leads: the leader's
	// plan applier is the cluster's one serial stage, and scheduling next
	// to it slows every plan (Nomad pauses 3/4 of the leader's workers).
	pauseOnLeader bool

	// The evaluation in progress; only the worker's goroutine uses them.
	evalToken string
	snapIndex uint64
}

// leaderPausedWorkers is the share of a server's workers that idle while
// it leads: three quarters, rounded down, so a server with one worker
// always schedules.
func leaderPausedWorkers(n int) int { return n * 3 / 4 }

// startWorkers starts Config.NumSchedulers workers (one per core by
// default), of which leaderPausedWorkers pause while the server leads.
func (s *Server) startWorkers() {
	n := s.config.NumSchedulers
	if n == 0 {
		n = runtime.NumCPU()
	}
	types := s.config.EnabledSchedulers
	if len(types) == 0 {
		types = []string{structs.JobTypeService, structs.JobTypeBatch, structs.JobTypeSystem, structs.JobTypeSysBatch}
	}
	paused := leaderPausedWorkers(n)
	for i := 0; i < n; i++ {
		w := &worker{
			srv:           s,
			logger:        s.logger.Named("worker").With("worker", i),
			schedulers:    types,
			pauseOnLeader: i < paused,
		}
		s.wg.Add(1)
		go w.run()
	}
}

func (w *worker) run() {
	defer w.srv.wg.Done()
	backoff := time.Duration(0)
	for !w.srv.isShutdown() {
		if !w.waitUnlessLeading() {
			return
		}
		resp, err := w.dequeue()
		if err != nil {
			if w.srv.isShutdown() {
				return
			}
			backoff = min(max(2*backoff, workerBackoffMin), workerBackoffMax)
			w.logger.Debug("dequeue failed", "error", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-w.srv.shutdownCh:
				return
			}
			continue
		}
		backoff = 0
		if resp.Eval == nil {
			continue
		}
		w.process(resp.Eval.Copy(), resp.Token, resp.WaitIndex)
	}
}

// waitUnlessLeading returns at once for a worker that never pauses;
// one that pauses on the leader waits while its server leads, woken by
// leader changes. It reports false at shutdown.
func (w *worker) waitUnlessLeading() bool {
	for w.pauseOnLeader {
		changed := w.srv.leaderChanged()
		if !w.srv.IsLeader() {
			return true
		}
		select {
		case <-changed:
		case <-w.srv.shutdownCh:
			return false
		}
	}
	return true
}

func (w *worker) dequeue() (*structs.EvalDequeueResponse, error) {
	start := time.Now()
	req := &structs.EvalDequeueRequest{Schedulers: w.schedulers, Timeout: workerDequeueTimeout}
	req.Region = w.srv.Region()
	var resp structs.EvalDequeueResponse
	if err := w.srv.RPC("Eval.Dequeue", req, &resp); err != nil {
		return nil, err
	}
	if resp.Eval != nil {
		metrics.MeasureSince([]string{"nomad", "worker", "dequeue_eval"}, start)
	}
	return &resp, nil
}

// process runs one evaluation and acks or nacks it.
func (w *worker) process(eval *structs.Evaluation, token string, waitIndex uint64) {
	logger := w.logger.With("eval_id", eval.ID, "job_id", eval.JobID, "type", eval.Type)
	w.evalToken = token
	defer func() { w.evalToken, w.snapIndex = "", 0 }()

	snap, err := w.srv.snapshotMinIndex(max(waitIndex, eval.ModifyIndex), defaultSnapshotWait)
	if err == nil {
		w.snapIndex, err = snap.LatestIndex()
	}
	if err == nil {
		err = w.invokeScheduler(snap, eval, logger)
	}
	method := "Eval.Ack"
	if err != nil {
		logger.Error("evaluation failed; nacking", "error", err)
		method = "Eval.Nack"
	} else {
		metrics.IncrCounterWithLabels([]string{"nomad", "worker", "evals_processed"}, 1, []metrics.Label{{Name: "type", Value: eval.Type}})
	}
	req := &structs.EvalAckRequest{EvalID: eval.ID, Token: token}
	req.Region = w.srv.Region()
	if aerr := w.srv.RPC(method, req, &structs.GenericResponse{}); aerr != nil {
		logger.Warn("ack of evaluation failed", "method", method, "error", aerr)
	}
}

// errSchedulerPanic marks an evaluation failed by a scheduler panic.
var errSchedulerPanic = errors.New("scheduler panic")

// invokeScheduler runs the evaluation's scheduler with the worker as
// Planner. A panic becomes a failed evaluation, with the stack logged.
func (w *worker) invokeScheduler(snap scheduler.State, eval *structs.Evaluation, logger hclog.Logger) (err error) {
	defer metrics.MeasureSince([]string{"nomad", "worker", "invoke_scheduler", eval.Type}, time.Now())
	factory, ok := w.srv.schedulerFactory(eval.Type)
	if !ok {
		return w.failEval(eval, fmt.Errorf("scheduler %q: %w", eval.Type, scheduler.ErrUnknownScheduler))
	}
	// The scheduler's now is the latest of the evaluation's times.
	if now := w.srv.clock().Now().UnixNano(); now > eval.ModifyTime {
		eval.ModifyTime = now
	}
	sched := factory(logger, snap, w)

	var perr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				panics.Recovered(logger, "scheduler", "evaluation "+eval.ID+" of job "+eval.JobID+" ("+eval.Type+")", r)
				metrics.IncrCounterWithLabels([]string{"nomad", "worker", "scheduler_panic"}, 1, []metrics.Label{{Name: "type", Value: eval.Type}})
				perr = fmt.Errorf("%w: %v", errSchedulerPanic, r)
			}
		}()
		err = sched.Process(eval)
	}()
	if perr != nil {
		return w.failEval(eval, perr)
	}
	return err
}

// failEval writes the evaluation as failed; the evaluation is then acked,
// since running it again would fail again.
func (w *worker) failEval(eval *structs.Evaluation, cause error) error {
	update := eval.Copy()
	update.Status = structs.EvalStatusFailed
	update.StatusDescription = cause.Error()
	if err := w.UpdateEval(update); err != nil {
		return fmt.Errorf("%w (and marking the evaluation failed: %v)", cause, err)
	}
	return nil
}

// SubmitPlan implements scheduler.Planner. The plan goes without the job
// in its allocations (see planWithoutAllocJobs).
func (w *worker) SubmitPlan(plan *structs.Plan) (*structs.PlanResult, scheduler.State, error) {
	plan.EvalToken = w.evalToken
	plan.SnapshotIndex = w.snapIndex
	req := &structs.PlanRequest{Plan: planWithoutAllocJobs(plan)}
	req.Region = w.srv.Region()
	var resp structs.PlanResponse
	if err := w.srv.RPC("Plan.Submit", req, &resp); err != nil {
		return nil, nil, err
	}
	result := resp.Result
	if result == nil {
		return nil, nil, fmt.Errorf("plan of evaluation %q: no result", plan.EvalID)
	}
	if result.RefreshIndex == 0 {
		return result, nil, nil
	}
	snap, err := w.srv.snapshotMinIndex(result.RefreshIndex, defaultSnapshotWait)
	if err != nil {
		return nil, nil, err
	}
	if w.snapIndex, err = snap.LatestIndex(); err != nil {
		return nil, nil, err
	}
	return result, snap, nil
}

// MaxPlacements implements scheduler.PlacementLimiter: the server's
// job_max_placements bounds a system job's evaluation too.
func (w *worker) MaxPlacements() int { return w.srv.config.jobLimits().MaxPlacements }

// UpdateEval implements scheduler.Planner.
func (w *worker) UpdateEval(eval *structs.Evaluation) error {
	for _, m := range eval.FailedTGAllocs {
		if m != nil {
			metrics.IncrCounter([]string{"nomad", "worker", "placement_failures"}, float32(1+m.CoalescedFailures))
		}
	}
	return w.writeEval("Eval.Update", eval)
}

// CreateEval implements scheduler.Planner.
func (w *worker) CreateEval(eval *structs.Evaluation) error { return w.writeEval("Eval.Create", eval) }

// ReblockEval implements scheduler.Planner.
func (w *worker) ReblockEval(eval *structs.Evaluation) error {
	return w.writeEval("Eval.Reblock", eval)
}

func (w *worker) writeEval(method string, eval *structs.Evaluation) error {
	eval.SnapshotIndex = w.snapIndex
	req := &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{eval}, EvalToken: w.evalToken}
	req.Region = w.srv.Region()
	if err := w.srv.RPC(method, req, &structs.GenericResponse{}); err != nil {
		return fmt.Errorf("%s %q: %w", method, eval.ID, err)
	}
	return nil
}

// planWithoutAllocJobs returns plan with allocations that do not carry
// their job: placements of the plan's own job, whose job the plan applier
// and the FSM take from the plan, and stops and preemptions, which keep
// the job of the allocation they replace in state. Otherwise a plan of
// 1,000 placements would carry its job 1,000 times to the leader and back
// in the result. The scheduler's plan and allocations are not changed;
// the returned plan holds shallow copies.
func planWithoutAllocJobs(plan *structs.Plan) *structs.Plan {
	out := *plan
	out.NodeAllocation = allocsWithoutJob(plan.NodeAllocation, func(a *structs.Allocation) bool { return a.Job == plan.Job })
	out.NodeUpdate = allocsWithoutJob(plan.NodeUpdate, func(*structs.Allocation) bool { return true })
	out.NodePreemptions = allocsWithoutJob(plan.NodePreemptions, func(*structs.Allocation) bool { return true })
	return &out
}

func allocsWithoutJob(byNode map[string][]*structs.Allocation, strip func(*structs.Allocation) bool) map[string][]*structs.Allocation {
	if byNode == nil {
		return nil
	}
	out := make(map[string][]*structs.Allocation, len(byNode))
	for node, list := range byNode {
		copied := make([]*structs.Allocation, len(list))
		for i, a := range list {
			if a != nil && a.Job != nil && strip(a) {
				c := *a
				c.Job = nil
				a = &c
			}
			copied[i] = a
		}
		out[node] = copied
	}
	return out
}
