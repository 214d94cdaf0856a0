package nomadish

import (
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// drainerRetry is how long the drainer waits before trying a failed write
// again.
const drainerRetry = 5 * time.Second

// drainer runs on the leader and carries node drains to their end. The
// migration itself is the scheduler's: the reconciler replaces an
// allocation of a draining node elsewhere once it is marked for migration
// (DesiredTransition.Migrate) or the drain's deadline has passed. The
// drainer
//
//   - marks the allocations of service jobs for migration in batches per
//     job and task group, at most migrate.max_parallel migrating at once,
//     the next batch once the replacements have been running for
//     min_healthy_time (see markBatches), with a node-drain evaluation
//     per job; batch jobs' allocations are left to finish;
//   - stops whatever is still running on the node when the drain's deadline
//     passes (at once for a forced drain, Deadline -1), with an evaluation
//     per job so the scheduler replaces it;
//   - once no allocation of a service or batch job is left, stops the
//     system jobs' allocations (drained last) unless the drain ignores
//     system jobs;
//   - then marks the drain complete: the node stops draining and stays
//     ineligible.
//
// It watches the allocations of draining nodes and of the jobs it paces,
// wakes when a replacement will have been healthy long enough, and is woken by
// Node.UpdateDrain when a drain starts or stops on this leader; a new
// leader looks at every node once when it starts.
type drainer struct {
	srv    *Server
	logger hclog.Logger
	// watchLoop runs pass; its start, stop and wake are this type's.
	*watchLoop
}

func newDrainer(s *Server) *drainer {
	d := &drainer{srv: s, logger: s.logger.Named("drainer")}
	d.watchLoop = newWatchLoop(s, drainerRetry, d.pass)
	return d
}

// pass acts on every draining node once. It returns the earliest future
// deadline to wake for, and whether a write failed.
func (d *drainer) pass(ws memdb.WatchSet) (next time.Time, failed bool) {
	st := d.srv.State()
	ws.Add(st.AbandonCh())
	nodes, err := st.DrainingNodes(nil)
	if err != nil {
		d.logger.Error("list draining nodes", "error", err)
		return time.Time{}, true
	}
	now := d.srv.clock().Now()
	draining := make(map[string]bool, len(nodes))
	for _, node := range nodes {
		draining[node.ID] = true
	}
	var groups []drainGroup
	seen := map[drainGroup]bool{}
	for _, node := range nodes {
		allocs, err := st.AllocsByNode(ws, node.ID)
		if err != nil {
			d.logger.Error("allocs of draining node", "node_id", node.ID, "error", err)
			failed = true
			continue
		}
		var work, system []*structs.Allocation
		for _, a := range allocs {
			if a.TerminalStatus() {
				continue
			}
			if a.Job != nil && (a.Job.Type == structs.JobTypeSystem || a.Job.Type == structs.JobTypeSysBatch) {
				system = append(system, a)
			} else {
				work = append(work, a)
			}
		}
		strategy := node.DrainStrategy
		if strategy.IgnoreSystemJobs {
			system = nil
		}
		switch {
		case strategy.DeadlineReached(now.UnixNano()) && len(work)+len(system) > 0:
			d.logger.Info("drain deadline reached, stopping remaining allocations", "node_id", node.ID, "allocs", len(work)+len(system))
			err = d.stopAllocs(node, append(work, system...), structs.AllocDescDrainDeadline, now)
		case len(work) > 0:
			for _, a := range work {
				if a.DesiredTransition.Migrate || batchJob(a.Job) {
					continue
				}
				g := drainGroup{ns: a.Namespace, jobID: a.JobID, group: a.TaskGroup}
				if !seen[g] {
					seen[g] = true
					g.nodeID, g.nodeModifyIndex = node.ID, node.ModifyIndex
					groups = append(groups, g)
				}
			}
			if strategy.ForceDeadline > 0 {
				if at := time.Unix(0, strategy.ForceDeadline); next.IsZero() || at.Before(next) {
					next = at
				}
			}
		case len(system) > 0:
			err = d.stopAllocs(node, system, structs.AllocDescDrainSystem, now)
		default:
			err = d.complete(node, now)
		}
		if err != nil {
			d.logger.Error("drain step failed", "node_id", node.ID, "error", err)
			failed = true
		}
	}
	if len(groups) > 0 {
		healthyAt, err := d.markBatches(ws, st, groups, draining, now)
		if err != nil {
			d.logger.Error("mark allocations for migration", "error", err)
			failed = true
		}
		if !healthyAt.IsZero() && (next.IsZero() || healthyAt.Before(next)) {
			next = healthyAt
		}
	}
	return next, failed
}

// stopAllocs stops allocations left on a draining node, with an
// evaluation per job so that the scheduler replaces them elsewhere.
func (d *drainer) stopAllocs(node *structs.Node, allocs []*structs.Allocation, desc string, now time.Time) error {
	jobs := map[structs.NamespacedID]*structs.Job{}
	out := make([]*structs.Allocation, 0, len(allocs))
	for _, a := range allocs {
		c := *a
		c.Job = nil // the state store keeps the stored one
		c.DesiredStatus = structs.AllocDesiredStatusStop
		c.DesiredDescription = desc
		c.ModifyTime = now.UnixNano()
		out = append(out, &c)
		if a.Job != nil {
			jobs[structs.NamespacedID{Namespace: a.Namespace, ID: a.JobID}] = a.Job
		}
	}
	var evals []*structs.Evaluation
	for _, job := range jobs {
		evals = append(evals, &structs.Evaluation{
			ID: uuid.NewString(), Namespace: job.Namespace, Priority: job.Priority, Type: job.Type,
			TriggeredBy: structs.EvalTriggerNodeDrain, JobID: job.ID, JobModifyIndex: job.JobModifyIndex,
			NodeID: node.ID, NodeModifyIndex: node.ModifyIndex, Status: structs.EvalStatusPending,
			CreateTime: now.UnixNano(), ModifyTime: now.UnixNano(),
		})
	}
	_, _, err := d.srv.raftApply(structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: out, Evals: evals})
	return err
}

// complete ends a drain with nothing left to move. The node stays
// ineligible.
func (d *drainer) complete(node *structs.Node, now time.Time) error {
	d.logger.Info("node drain complete", "node_id", node.ID)
	req := &structs.NodeUpdateDrainRequest{
		NodeID:    node.ID,
		UpdatedAt: now.Unix(),
		NodeEvent: &structs.NodeEvent{Message: nodeEventDrainDone, Subsystem: "Drain", Timestamp: now.Unix()},
	}
	_, _, err := d.srv.raftApply(structs.NodeUpdateDrainRequestType, req)
	return err
}
