package nomadish

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// runPlanApplier is the leader's plan applier: it takes plans from the
// plan queue one at a time, checks every node's share of the plan against
// the newest state (the node exists, is ready, takes new placements,
// still offers the host volumes asked for, and what would run on it
// fits), and commits what passes in one Raft entry. What did not pass is
// left out, and the result carries a RefreshIndex at which the worker's
// state will show why, so its scheduler retries there. An AllAtOnce plan
// commits entirely or not at all.
//
// Checking overlaps committing: while plan N's entry is in Raft, plan N+1
// is checked against a private snapshot to which N's results were
// applied as if committed (applied when N+1 arrives, not before). N+1 is
// only sent to Raft once N has committed, on a fresh snapshot; if N
// failed, N+1 is checked again.
func (s *Server) runPlanApplier(stopCh <-chan struct{}) {
	logger := s.logger.Named("plan_apply")
	var (
		inflight  *planInFlight
		snap      *state.StateSnapshot
		snapIndex uint64 // the real index snap was taken at
		// optimistic holds the in-flight results not yet applied to
		// snap: they are applied only when the next plan arrives before
		// they commit, so a lone plan costs one state write, not two.
		optimistic *structs.ApplyPlanResultsRequest
		err        error
	)
	for {
		p, derr := s.planQueue.Dequeue(stopCh)
		if derr != nil {
			return
		}
		if inflight == nil || inflight.finished() {
			// The snapshot is reused only to check a plan against the
			// results of one still committing; otherwise it is stale.
			inflight, snap, optimistic = nil, nil, nil
		}
		if optimistic != nil {
			snap.MarkDiverged(snapIndex + 1)
			if err := snap.UpsertPlanResults(snapIndex+1, optimistic); err != nil {
				logger.Error("optimistic apply of plan results failed; waiting for the commit instead", "error", err)
				<-inflight.done
				inflight, snap = nil, nil
			}
			optimistic = nil
		}
		if snap == nil {
			if snap, snapIndex, err = s.planSnapshot(p.plan.SnapshotIndex); err != nil {
				p.respond(nil, err)
				continue
			}
		}
		result, req := evaluatePlanTimed(snap, snapIndex, p.plan, logger)
		if req == nil {
			s.respondUncommitted(p, result, inflight)
			continue
		}

		if inflight != nil {
			select {
			case <-inflight.done:
			case <-stopCh:
				p.respond(nil, ErrPlanQueueDisabled)
				return
			}
			prevFailed := inflight.err != nil
			inflight = nil
			if snap, snapIndex, err = s.planSnapshot(p.plan.SnapshotIndex); err != nil {
				p.respond(nil, err)
				continue
			}
			if prevFailed {
				// The check assumed results that never committed.
				if result, req = evaluatePlanTimed(snap, snapIndex, p.plan, logger); req == nil {
					s.respondUncommitted(p, result, nil)
					continue
				}
			}
		}

		if inflight, err = s.dispatchPlan(p, result, req); err != nil {
			p.respond(nil, err)
			snap = nil
			continue
		}
		optimistic = req
	}
}

// planInFlight is a plan's Raft entry on its way to commit.
type planInFlight struct {
	done  chan struct{}
	index uint64 // set before done closes
	err   error  // set before done closes
}

func (f *planInFlight) finished() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// planSnapshot returns a snapshot at least at minIndex and the index it
// reflects.
func (s *Server) planSnapshot(minIndex uint64) (*state.StateSnapshot, uint64, error) {
	snap, err := s.snapshotMinIndex(minIndex, defaultSnapshotWait)
	if err != nil {
		return nil, 0, fmt.Errorf("plan applier snapshot: %w", err)
	}
	index, err := snap.LatestIndex()
	if err != nil {
		return nil, 0, err
	}
	return snap, index, nil
}

// respondUncommitted answers a plan of which nothing is committed. When it
// must retry on fresher state while another plan is still committing, the
// answer waits for that commit so the refresh index covers it.
func (s *Server) respondUncommitted(p *pendingPlan, result *structs.PlanResult, inflight *planInFlight) {
	if result.RefreshIndex == 0 || inflight == nil {
		p.respond(result, nil)
		return
	}
	go func() {
		<-inflight.done
		if inflight.index > result.RefreshIndex {
			result.RefreshIndex = inflight.index
		}
		p.respond(result, nil)
	}()
}

// dispatchPlan sends the plan's results to Raft and answers the submitter
// when they commit.
func (s *Server) dispatchPlan(p *pendingPlan, result *structs.PlanResult, req *structs.ApplyPlanResultsRequest) (*planInFlight, error) {
	buf, err := encodePlanResults(req)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	future := s.raft.Apply(buf, s.config.RaftTimeout)
	f := &planInFlight{done: make(chan struct{})}
	go func() {
		err := future.Error()
		if err == nil {
			if ferr, ok := future.Response().(error); ok && ferr != nil {
				err = ferr
			}
		}
		metrics.MeasureSince([]string{"nomad", "plan", "apply"}, start)
		f.index, f.err = future.Index(), err
		close(f.done)
		if err != nil {
			p.respond(nil, fmt.Errorf("commit plan of evaluation %q: %w", p.plan.EvalID, err))
			return
		}
		result.AllocIndex = f.index
		if out, ok := future.Response().(*structs.PlanCommitOutcome); ok && out != nil {
			dropCommitted(result, out)
		}
		if result.RefreshIndex != 0 {
			result.RefreshIndex = f.index
		}
		p.respond(result, nil)
	}()
	return f, nil
}

// dropCommitted takes out of result the placements the FSM left out
// because their node went down after the plan was checked, and marks the
// result partial so the scheduler plans those again on fresh state.
func dropCommitted(result *structs.PlanResult, out *structs.PlanCommitOutcome) {
	for _, id := range out.DroppedNodes {
		metrics.IncrCounter([]string{"nomad", "plan", "node_rejected"}, 1)
		delete(result.NodeAllocation, id)
	}
	if len(out.DroppedNodes) > 0 {
		result.RefreshIndex = 1 // set to the commit's index by the caller
	}
}

func evaluatePlanTimed(snap *state.StateSnapshot, snapIndex uint64, plan *structs.Plan, logger hclog.Logger) (*structs.PlanResult, *structs.ApplyPlanResultsRequest) {
	defer metrics.MeasureSince([]string{"nomad", "plan", "evaluate"}, time.Now())
	return evaluatePlan(snap, snapIndex, plan, logger)
}

// evaluatePlan checks each node's share of the plan against snap and
// returns what may commit and, unless nothing may, the Raft request that
// commits it. A partial result carries RefreshIndex snapIndex.
func evaluatePlan(snap *state.StateSnapshot, snapIndex uint64, plan *structs.Plan, logger hclog.Logger) (*structs.PlanResult, *structs.ApplyPlanResultsRequest) {
	result := &structs.PlanResult{
		NodeUpdate:      map[string][]*structs.Allocation{},
		NodeAllocation:  map[string][]*structs.Allocation{},
		NodePreemptions: map[string][]*structs.Allocation{},
	}
	seen := map[string]bool{}
	var nodeIDs []string
	for _, m := range []map[string][]*structs.Allocation{plan.NodeUpdate, plan.NodeAllocation, plan.NodePreemptions} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				nodeIDs = append(nodeIDs, id)
			}
		}
	}
	sort.Strings(nodeIDs)

	partial := false
	checks := checkNodePlans(snap, plan, nodeIDs)
	for i, id := range nodeIDs {
		ok, reason := checks[i].ok, checks[i].reason
		if !ok {
			partial = true
			metrics.IncrCounter([]string{"nomad", "plan", "node_rejected"}, 1)
			logger.Debug("plan for node rejected", "eval_id", plan.EvalID, "node_id", id, "reason", reason)
			if plan.AllAtOnce {
				result.NodeUpdate = map[string][]*structs.Allocation{}
				result.NodeAllocation = map[string][]*structs.Allocation{}
				result.NodePreemptions = map[string][]*structs.Allocation{}
				break
			}
			continue
		}
		if a := plan.NodeUpdate[id]; len(a) > 0 {
			result.NodeUpdate[id] = a
		}
		if a := plan.NodeAllocation[id]; len(a) > 0 {
			result.NodeAllocation[id] = a
		}
		if a := plan.NodePreemptions[id]; len(a) > 0 {
			result.NodePreemptions[id] = a
		}
	}
	if partial {
		result.RefreshIndex = snapIndex
		if result.RefreshIndex == 0 {
			result.RefreshIndex = 1
		}
	}
	if !(partial && plan.AllAtOnce) {
		result.Deployment = plan.Deployment
		result.DeploymentUpdates = plan.DeploymentUpdates
	}
	if len(result.NodeUpdate) == 0 && len(result.NodeAllocation) == 0 && len(result.NodePreemptions) == 0 &&
		result.Deployment == nil && len(result.DeploymentUpdates) == 0 {
		return result, nil
	}
	return result, planResultsRequest(plan, result)
}

// nodePlanCheck is the outcome of evaluateNodePlan for one node.
type nodePlanCheck struct {
	ok     bool
	reason string
}

// planCheckNodesPerWorker is the least number of nodes worth a goroutine
// of their own when a plan's nodes are checked in parallel.
const planCheckNodesPerWorker = 64

// checkNodePlans checks every node's share of the plan, a large plan on
// up to GOMAXPROCS goroutines at once: the checks only read the
// snapshot, and the plan applier is the one serial stage every placement
// of the cluster passes through, so its wall time is what bounds the
// scheduling rate. The outcomes are in nodeIDs' order.
func checkNodePlans(snap *state.StateSnapshot, plan *structs.Plan, nodeIDs []string) []nodePlanCheck {
	out := make([]nodePlanCheck, len(nodeIDs))
	check := func(from, to int) {
		for i := from; i < to; i++ {
			out[i].ok, out[i].reason = evaluateNodePlan(snap, plan, nodeIDs[i])
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(nodeIDs)/planCheckNodesPerWorker)
	if workers <= 1 {
		check(0, len(nodeIDs))
		return out
	}
	var wg sync.WaitGroup
	per := (len(nodeIDs) + workers - 1) / workers
	for from := 0; from < len(nodeIDs); from += per {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			check(from, to)
		}(from, min(from+per, len(nodeIDs)))
	}
	wg.Wait()
	return out
}

// evaluateNodePlan checks one node's share of the plan. Stops and
// preemptions alone always pass; placements need the node to exist and be
// ready, new placements need it eligible and not draining (an in-place
// update of an allocation already there does not), the node must still
// offer the host volumes the placements' groups ask for, and everything
// that would then run on the node must fit it (resources, ports,
// bandwidth).
func evaluateNodePlan(snap *state.StateSnapshot, plan *structs.Plan, nodeID string) (bool, string) {
	placements := plan.NodeAllocation[nodeID]
	if len(placements) == 0 {
		return true, ""
	}
	node, err := snap.NodeByID(nil, nodeID)
	if err != nil {
		return false, err.Error()
	}
	if node == nil {
		return false, "node does not exist"
	}
	if node.Status != structs.NodeStatusReady && node.Status != structs.NodeStatusDisconnected {
		return false, "node is " + node.Status
	}
	existing, err := snap.AllocsByNode(nil, nodeID)
	if err != nil {
		return false, err.Error()
	}
	if node.Status == structs.NodeStatusDisconnected && !onlyUpdatesExisting(placements, existing) {
		// Its allocations' records may still change (the scheduler
		// marks when their lost_after ends), nothing new may go there.
		return false, "node is " + node.Status
	}
	if node.Drain || node.SchedulingEligibility == structs.NodeSchedulingIneligible {
		onNode := make(map[string]bool, len(existing))
		for _, a := range existing {
			onNode[a.ID] = true
		}
		for _, a := range placements {
			if !onNode[a.ID] {
				return false, "node does not take new placements"
			}
		}
	}
	if ok, reason := hostVolumesPresent(node, plan, placements); !ok {
		return false, reason
	}
	if len(plan.NodeUpdate[nodeID])+len(plan.NodePreemptions[nodeID]) == 0 && !anyPlaced(existing, placements) {
		// Only new allocations: what the node's allocations hold comes
		// from the cache unless they changed since the last look.
		if ok, dim := snap.UsageCache().Fits(node, existing, placements); !ok {
			return false, "resources exhausted: " + dim
		}
		return true, ""
	}
	replaced := newAllocIDSet(plan.NodeUpdate[nodeID], plan.NodePreemptions[nodeID], placements)
	proposed := make([]*structs.Allocation, 0, len(existing)+len(placements))
	for _, a := range existing {
		if !a.TerminalStatus() && !replaced.has(a.ID) {
			proposed = append(proposed, a)
		}
	}
	proposed = append(proposed, placements...)
	if ok, dim := structs.AllocsFit(node, proposed); !ok {
		return false, "resources exhausted: " + dim
	}
	return true, ""
}

// anyPlaced reports whether any of placements is already among existing
// (an in-place update).
func anyPlaced(existing, placements []*structs.Allocation) bool {
	set := newAllocIDSet(placements)
	for _, a := range existing {
		if set.has(a.ID) {
			return true
		}
	}
	return false
}

// allocIDSet is the IDs of a node's share of a plan. Most shares hold an
// allocation or two, where scanning the lists beats building a map; a
// large share gets a map.
type allocIDSet struct {
	lists [][]*structs.Allocation
	ids   map[string]bool
}

const allocIDSetMapAt = 16

func newAllocIDSet(lists ...[]*structs.Allocation) allocIDSet {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	if n < allocIDSetMapAt {
		return allocIDSet{lists: lists}
	}
	ids := make(map[string]bool, n)
	for _, l := range lists {
		for _, a := range l {
			ids[a.ID] = true
		}
	}
	return allocIDSet{ids: ids}
}

func (s allocIDSet) has(id string) bool {
	if s.ids != nil {
		return s.ids[id]
	}
	for _, l := range s.lists {
		for _, a := range l {
			if a.ID == id {
				return true
			}
		}
	}
	return false
}

// hostVolumesPresent checks that node still offers every host volume the
// placements' groups ask for, writable where the request is not
// read-only: the client may have re-registered without one since the
// scheduler's snapshot.
func hostVolumesPresent(node *structs.Node, plan *structs.Plan, placements []*structs.Allocation) (bool, string) {
	var lastJob *structs.Job
	var lastGroup string
	for _, a := range placements {
		job := a.Job
		if job == nil {
			job = plan.Job
		}
		if job == nil || (job == lastJob && a.TaskGroup == lastGroup) {
			continue
		}
		lastJob, lastGroup = job, a.TaskGroup
		tg := job.LookupTaskGroup(a.TaskGroup)
		if tg == nil {
			continue
		}
		for name, req := range tg.Volumes {
			if req == nil || req.Type != structs.VolumeTypeHost {
				continue
			}
			vol := node.HostVolumes[req.Source]
			switch {
			case vol == nil:
				return false, fmt.Sprintf("host volume %q (source %q) missing", name, req.Source)
			case vol.ReadOnly && !req.ReadOnly:
				return false, fmt.Sprintf("host volume %q (source %q) is read-only", name, req.Source)
			}
		}
	}
	return true, ""
}

// planResultsRequest is the Raft entry committing result. Placements ship
// without their job, which the entry carries once.
func planResultsRequest(plan *structs.Plan, result *structs.PlanResult) *structs.ApplyPlanResultsRequest {
	req := &structs.ApplyPlanResultsRequest{
		Job:               plan.Job,
		DeploymentUpdates: result.DeploymentUpdates,
		EvalIDs:           []string{plan.EvalID},
	}
	if d := result.Deployment; d != nil {
		// The optimistic apply stamps indexes on it; keep the plan's.
		c := *d
		req.Deployment = &c
	}
	for _, list := range result.NodeAllocation {
		for _, a := range list {
			c := *a
			if plan.Job != nil && c.Namespace == plan.Job.Namespace && c.JobID == plan.Job.ID {
				c.Job = nil
			}
			req.Allocs = append(req.Allocs, &c)
		}
	}
	for _, list := range result.NodeUpdate {
		for _, a := range list {
			c := *a
			req.AllocsStopped = append(req.AllocsStopped, &c)
		}
	}
	for _, list := range result.NodePreemptions {
		for _, a := range list {
			c := *a
			req.AllocsPreempted = append(req.AllocsPreempted, &c)
		}
	}
	return req
}
