package nomadish

import (
	"sort"
	"time"

	"github.com/google/uuid"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Defaults of a group without a migrate block (batch jobs get none).
const (
	defaultMigrateMaxParallel    = 1
	defaultMigrateMinHealthyTime = 10 * time.Second
)

// drainGroup is one job's task group with allocations waiting on
// draining nodes to be marked for migration.
type drainGroup struct {
	ns, jobID, group string
	nodeID           string // a draining node it waits on, for the evaluation
	nodeModifyIndex  uint64
}

// markBatches paces migrations per job and task group: at most the
// group's migrate.max_parallel of its allocations are migrating at once.
// An allocation is migrating from the moment it is marked
// (DesiredTransition.Migrate) until its replacement has been running for
// the group's min_healthy_time (health_check "task_states"; "checks" is
// judged the same way, service checks are not tracked). Concretely, with
// healthy counting the group's allocations that are running for
// min_healthy_time and not marked, the drainer marks
// healthy - (count - max_parallel) more, never going below that floor:
// replacements that cannot be placed or never turn healthy hold the
// drain until its deadline, when the drainer stops everything left.
//
// The marks and one node-drain evaluation per job go through Raft in one
// entry. markBatches returns the earliest time an allocation will have
// been running long enough to count as healthy, for the drainer to wake.
func (d *drainer) markBatches(ws memdb.WatchSet, st *state.StateStore, groups []drainGroup, draining map[string]bool, now time.Time) (next time.Time, err error) {
	marks := map[string]*structs.DesiredTransition{}
	var evals []*structs.Evaluation
	evaluated := map[structs.NamespacedID]bool{}
	for _, g := range groups {
		job, err := st.JobByID(ws, g.ns, g.jobID)
		if err != nil {
			return next, err
		}
		allocs, err := st.AllocsByJob(ws, g.ns, g.jobID, false)
		if err != nil {
			return next, err
		}
		var tg *structs.TaskGroup
		if job != nil && !job.Stop {
			tg = job.LookupTaskGroup(g.group)
		}
		maxParallel, minHealthy := migrateSettings(tg)

		var waiting []*structs.Allocation
		healthy := 0
		for _, a := range allocs {
			if a.TaskGroup != g.group || a.TerminalStatus() || a.DesiredTransition.Migrate {
				continue
			}
			if draining[a.NodeID] && !batchJob(a.Job) {
				waiting = append(waiting, a)
			}
			at, ok := healthyAt(a, minHealthy)
			switch {
			case !ok:
			case !at.After(now):
				healthy++
			case next.IsZero() || at.Before(next):
				next = at
			}
		}
		n := len(waiting)
		if tg != nil {
			n = min(n, healthy-(tg.Count-maxParallel))
		}
		if n <= 0 {
			continue
		}
		sort.Slice(waiting, func(i, j int) bool {
			if waiting[i].Name != waiting[j].Name {
				return waiting[i].Name < waiting[j].Name
			}
			return waiting[i].ID < waiting[j].ID
		})
		for _, a := range waiting[:n] {
			marks[a.ID] = &structs.DesiredTransition{Migrate: true}
		}
		d.logger.Info("marking allocations for migration", "namespace", g.ns, "job_id", g.jobID, "group", g.group,
			"allocs", n, "waiting", len(waiting), "max_parallel", maxParallel)
		key := structs.NamespacedID{Namespace: g.ns, ID: g.jobID}
		if evaluated[key] || job == nil {
			continue
		}
		evaluated[key] = true
		evals = append(evals, &structs.Evaluation{
			ID: uuid.NewString(), Namespace: job.Namespace, Priority: job.Priority, Type: job.Type,
			TriggeredBy: structs.EvalTriggerNodeDrain, JobID: job.ID, JobModifyIndex: job.JobModifyIndex,
			NodeID: g.nodeID, NodeModifyIndex: g.nodeModifyIndex, Status: structs.EvalStatusPending,
			CreateTime: now.UnixNano(), ModifyTime: now.UnixNano(),
		})
	}
	if len(marks) == 0 {
		return next, nil
	}
	_, _, err = d.srv.raftApply(structs.AllocUpdateDesiredTransitionRequestType,
		&structs.AllocUpdateDesiredTransitionRequest{Allocs: marks, Evals: evals})
	return next, err
}

// migrateSettings returns the group's migrate.max_parallel (at least 1)
// and min_healthy_time, or the defaults.
func migrateSettings(tg *structs.TaskGroup) (int, time.Duration) {
	maxParallel, minHealthy := defaultMigrateMaxParallel, defaultMigrateMinHealthyTime
	if tg != nil && tg.Migrate != nil {
		if tg.Migrate.MaxParallel > 0 {
			maxParallel = tg.Migrate.MaxParallel
		}
		minHealthy = tg.Migrate.MinHealthyTime
	}
	return maxParallel, minHealthy
}

// healthyAt returns when an allocation counts as healthy for migration:
// minHealthy after its client reported it running, judged by its tasks'
// start times (the client's last update when it reports no task states).
// ok is false while the allocation is not running.
func healthyAt(a *structs.Allocation, minHealthy time.Duration) (at time.Time, ok bool) {
	if a.ClientStatus != structs.AllocClientStatusRunning {
		return time.Time{}, false
	}
	since := time.Unix(0, a.ModifyTime)
	if len(a.TaskStates) > 0 {
		since = time.Time{}
		for _, ts := range a.TaskStates {
			if ts == nil || ts.State != structs.TaskStateRunning {
				return time.Time{}, false
			}
			if ts.StartedAt.After(since) {
				since = ts.StartedAt
			}
		}
	}
	return since.Add(minHealthy), true
}

// batchJob reports whether allocations of job run to completion: the
// drainer leaves them to finish until the drain's deadline.
func batchJob(job *structs.Job) bool {
	return job != nil && (job.Type == structs.JobTypeBatch || job.Type == structs.JobTypeSysBatch)
}
