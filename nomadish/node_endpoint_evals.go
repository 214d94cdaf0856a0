package nomadish

import (
	"path"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodeEvals builds the evaluations a change of node status calls for, all
// pending and triggered by node-update: one per job with a live allocation
// on the node, whose allocations may need replacing, and one per system
// and sysbatch job whose pool and datacenters admit the node, so that it
// gets (or loses) its allocation there. newStatus is the node's status
// after the change. Evaluations are sorted by job for determinism.
func (s *Server) nodeEvals(node *structs.Node, newStatus string, now time.Time) []*structs.Evaluation {
	return s.jobEvalsForNode(node, true, structs.EvalTriggerNodeUpdate, now)
}

// jobEvalsForNode builds one evaluation per job with a live allocation on
// the node and, withSystemJobs, per system and sysbatch job that could run
// there.
func (s *Server) jobEvalsForNode(node *structs.Node, withSystemJobs bool, trigger string, now time.Time) []*structs.Evaluation {
	st := s.State()
	jobs := map[structs.NamespacedID]*structs.Job{}
	allocs, err := st.AllocsByNode(nil, node.ID)
	if err != nil {
		s.logger.Error("node evals: allocs of node", "node_id", node.ID, "error", err)
	}
	for _, a := range allocs {
		if a.TerminalStatus() {
			continue
		}
		id := structs.NamespacedID{Namespace: a.Namespace, ID: a.JobID}
		if _, ok := jobs[id]; ok {
			continue
		}
		job, err := st.JobByID(nil, a.Namespace, a.JobID)
		if err != nil || job == nil {
			job = a.Job
		}
		if job != nil {
			jobs[id] = job
		}
	}
	if withSystemJobs {
		it, err := st.Jobs(nil)
		if err != nil {
			s.logger.Error("node evals: list jobs", "error", err)
		} else {
			for raw := it.Next(); raw != nil; raw = it.Next() {
				job := raw.(*structs.Job)
				if (job.Type == structs.JobTypeSystem || job.Type == structs.JobTypeSysBatch) && !job.Stop && jobCanRunOn(job, node) {
					jobs[structs.NamespacedID{Namespace: job.Namespace, ID: job.ID}] = job
				}
			}
		}
	}
	ids := make([]structs.NamespacedID, 0, len(jobs))
	for id := range jobs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Namespace != ids[j].Namespace {
			return ids[i].Namespace < ids[j].Namespace
		}
		return ids[i].ID < ids[j].ID
	})
	evals := make([]*structs.Evaluation, 0, len(ids))
	for _, id := range ids {
		job := jobs[id]
		evals = append(evals, &structs.Evaluation{
			ID:              uuid.NewString(),
			Namespace:       job.Namespace,
			Priority:        job.Priority,
			Type:            job.Type,
			TriggeredBy:     trigger,
			JobID:           job.ID,
			JobModifyIndex:  job.JobModifyIndex,
			NodeID:          node.ID,
			NodeModifyIndex: node.ModifyIndex,
			Status:          structs.EvalStatusPending,
			CreateTime:      now.UnixNano(),
			ModifyTime:      now.UnixNano(),
		})
	}
	return evals
}

// jobCanRunOn is a cheap pre-filter for system job evaluations: the job's
// node pool and datacenters admit the node. The scheduler checks the rest.
func jobCanRunOn(job *structs.Job, node *structs.Node) bool {
	pool := job.NodePool
	if pool == "" {
		pool = structs.DefaultNodePool
	}
	nodePool := node.NodePool
	if nodePool == "" {
		nodePool = structs.DefaultNodePool
	}
	if pool != "all" && pool != nodePool {
		return false
	}
	if len(job.Datacenters) == 0 {
		return true
	}
	for _, p := range job.Datacenters {
		if ok, err := path.Match(p, node.Datacenter); p == node.Datacenter || (err == nil && ok) {
			return true
		}
	}
	return false
}

// evalIDs lists the evaluations' IDs.
func evalIDs(evals []*structs.Evaluation) []string {
	out := make([]string, 0, len(evals))
	for _, e := range evals {
		out = append(out, e.ID)
	}
	return out
}
