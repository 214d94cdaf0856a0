package nomadish

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Scheduling timings of the leader.
const (
	defaultFailedFollowupDelay = time.Minute
	// unblockFailedInterval is how often evaluations blocked after
	// running out of plan attempts are retried.
	unblockFailedInterval = time.Minute
	// schedulingStatsInterval is how often queue depths are emitted.
	schedulingStatsInterval = time.Second
)

// setupScheduling builds the eval broker, blocked-evals tracker and plan
// queue (all disabled until this server leads) and hooks them into the
// FSM. The hooks fire on every server; the disabled components ignore
// them.
func (s *Server) setupScheduling() {
	s.evalBroker = newEvalBroker(s.brokerClock(), s.logger, brokerConfig{
		NackTimeout:         s.config.EvalNackTimeout,
		DeliveryLimit:       s.config.EvalDeliveryLimit,
		InitialNackDelay:    s.config.EvalNackInitialDelay,
		SubsequentNackDelay: s.config.EvalNackSubsequentDelay,
	})
	s.blockedEvals = newBlockedEvals(s.logger, s.evalBroker.EnqueueAll, s.evalBroker.Cancel)
	s.planQueue = newPlanQueue()
	s.fsm.SetEvalHook(s.evalsApplied)
	s.fsm.SetNodeHook(s.nodesApplied)
	s.fsm.SetAllocHook(s.allocsApplied)
}

// startScheduling enables the leader's scheduling duties and rebuilds the
// broker and blocked tracker from state.
func (s *Server) startScheduling(stopCh chan struct{}) {
	s.planQueue.SetEnabled(true)
	s.evalBroker.SetEnabled(true)
	s.blockedEvals.SetEnabled(true)
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.runPlanApplier(stopCh)
	}()
	go func() {
		defer s.wg.Done()
		s.reapEvals(stopCh)
	}()
	go func() {
		defer s.wg.Done()
		s.emitSchedulingStats(stopCh)
	}()
	if err := s.restoreEvals(); err != nil {
		s.logger.Error("restoring evaluations into the broker failed", "error", err)
	}
}

// stopScheduling disables what startScheduling enabled; waiting plans
// and dequeues fail, and everything queued is forgotten.
func (s *Server) stopScheduling() {
	s.blockedEvals.SetEnabled(false)
	s.evalBroker.SetEnabled(false)
	s.planQueue.SetEnabled(false)
}

// restoreEvals puts every pending evaluation in state into the broker and
// every blocked one into the blocked tracker.
func (s *Server) restoreEvals() error {
	it, err := s.State().Evals(nil)
	if err != nil {
		return err
	}
	var pending, blocked int
	for raw := it.Next(); raw != nil; raw = it.Next() {
		e := raw.(*structs.Evaluation)
		switch e.Status {
		case structs.EvalStatusPending:
			s.evalBroker.Enqueue(e)
			pending++
		case structs.EvalStatusBlocked:
			s.blockedEvals.Block(e)
			blocked++
		}
	}
	s.logger.Info("evaluations restored", "pending", pending, "blocked", blocked)
	return nil
}

// evalsApplied is the FSM's eval hook: pending evaluations go to the
// broker, blocked ones to the blocked tracker; a job's evaluation that
// placed everything makes its blocked evaluation obsolete.
func (s *Server) evalsApplied(evals []*structs.Evaluation) {
	for _, e := range evals {
		switch e.Status {
		case structs.EvalStatusPending:
			s.evalBroker.Enqueue(e)
		case structs.EvalStatusBlocked:
			s.blockedEvals.Block(e)
		case structs.EvalStatusComplete:
			s.blockedEvals.Remove(e.ID)
			if e.BlockedEval == "" && len(e.FailedTGAllocs) == 0 {
				s.blockedEvals.Untrack(e.Namespace, e.JobID)
			}
		default:
			s.blockedEvals.Remove(e.ID)
		}
	}
}

// nodesApplied is the FSM's node hook: a node that can take work unblocks
// the evaluations waiting for its class.
func (s *Server) nodesApplied(index uint64, nodes []*structs.Node) {
	for _, n := range nodes {
		if n.Ready() {
			s.blockedEvals.Unblock(nodeClass(n), index)
		}
	}
}

// allocsApplied is the FSM's alloc hook: allocations that stopped freed
// capacity on their nodes, which unblocks evaluations waiting for those
// nodes' classes.
func (s *Server) allocsApplied(index uint64, allocs []*structs.Allocation) {
	if s.blockedEvals.Len() == 0 {
		return
	}
	st := s.State()
	classes := map[string]bool{}
	for _, a := range allocs {
		if !a.TerminalStatus() {
			continue
		}
		nodeID := a.NodeID
		if nodeID == "" {
			stored, err := st.AllocByID(nil, a.ID)
			if err != nil || stored == nil {
				continue
			}
			nodeID = stored.NodeID
		}
		n, err := st.NodeByID(nil, nodeID)
		if err != nil || n == nil || !n.Ready() {
			continue
		}
		classes[nodeClass(n)] = true
	}
	for c := range classes {
		s.blockedEvals.Unblock(c, index)
	}
}

// nodeClass is the node's computed class, computed when the node has none.
func nodeClass(n *structs.Node) string {
	if n.ComputedClass != "" {
		return n.ComputedClass
	}
	return n.HashClass()
}

// reapEvals writes through Raft the evaluations the broker gave up on
// (failed, each with a delayed follow-up) or cancelled as superseded, and
// periodically retries evaluations blocked after too many plan conflicts.
func (s *Server) reapEvals(stopCh chan struct{}) {
	// A wall-clock ticker: this retry is no decision tests need to drive.
	tick := time.NewTicker(unblockFailedInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.evalBroker.OutCh():
			failed, canceled := s.evalBroker.Outputs()
			if err := s.writeReapedEvals(failed, canceled); err != nil {
				s.logger.Error("writing failed and cancelled evaluations failed", "error", err)
			}
		case <-tick.C:
			s.blockedEvals.UnblockFailed()
		case <-stopCh:
			return
		case <-s.shutdownCh:
			return
		}
	}
}

func (s *Server) writeReapedEvals(failed, canceled []*structs.Evaluation) error {
	if len(failed)+len(canceled) == 0 {
		return nil
	}
	now := s.brokerClock().Now()
	var out []*structs.Evaluation
	for _, e := range canceled {
		c := e.Copy()
		c.Status = structs.EvalStatusCancelled
		c.StatusDescription = "canceled: a more recent evaluation of the job was processed"
		c.ModifyTime = now.UnixNano()
		out = append(out, c)
	}
	for _, e := range failed {
		delay := s.config.EvalFailedFollowupDelay
		follow := &structs.Evaluation{
			ID:           uuid.NewString(),
			Namespace:    e.Namespace,
			Priority:     e.Priority,
			Type:         e.Type,
			TriggeredBy:  structs.EvalTriggerFailedFollowUp,
			JobID:        e.JobID,
			Status:       structs.EvalStatusPending,
			Wait:         delay,
			WaitUntil:    now.Add(delay),
			PreviousEval: e.ID,
			CreateTime:   now.UnixNano(),
			ModifyTime:   now.UnixNano(),
		}
		c := e.Copy()
		c.Status = structs.EvalStatusFailed
		c.StatusDescription = fmt.Sprintf("evaluation reached its delivery limit (%d)", s.config.EvalDeliveryLimit)
		c.NextEval = follow.ID
		c.ModifyTime = now.UnixNano()
		out = append(out, c, follow)
		metrics.IncrCounter([]string{"nomad", "broker", "eval_failed"}, 1)
		s.logger.Warn("evaluation failed after its delivery limit", "eval_id", e.ID, "job_id", e.JobID, "follow_up", follow.ID)
	}
	_, _, err := s.raftApply(structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: out})
	return err
}

// emitSchedulingStats emits the broker, blocked tracker and plan queue
// depths as gauges.
func (s *Server) emitSchedulingStats(stopCh chan struct{}) {
	t := time.NewTicker(schedulingStatsInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			st := s.evalBroker.Stats()
			metrics.SetGauge([]string{"nomad", "broker", "total_ready"}, float32(st.TotalReady))
			metrics.SetGauge([]string{"nomad", "broker", "total_unacked"}, float32(st.TotalUnacked))
			metrics.SetGauge([]string{"nomad", "broker", "total_pending"}, float32(st.TotalPending))
			metrics.SetGauge([]string{"nomad", "broker", "total_waiting"}, float32(st.TotalWaiting))
			metrics.SetGauge([]string{"nomad", "broker", "total_blocked"}, float32(s.blockedEvals.Len()))
			for name, n := range st.ByScheduler {
				metrics.SetGaugeWithLabels([]string{"nomad", "broker", "ready"}, float32(n), []metrics.Label{{Name: "scheduler", Value: name}})
			}
			metrics.SetGauge([]string{"nomad", "plan", "queue_depth"}, float32(s.planQueue.Len()))
		case <-stopCh:
			return
		case <-s.shutdownCh:
			return
		}
	}
}

// brokerClock is the clock of the broker's nack timeouts and delayed
// evaluations: Config.EvalBrokerClock, else the wall clock.
func (s *Server) brokerClock() Clock {
	if s.config.EvalBrokerClock != nil {
		return s.config.EvalBrokerClock
	}
	return wallClock{}
}
