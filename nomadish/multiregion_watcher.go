package nomadish

import (
	"fmt"
	"slices"
	"strings"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// The multiregion watcher runs on each region's leader. A region's
// deployment of a multiregion job starts pending (the scheduler places
// nothing of it, scheduler/reconcile_multiregion.go); the watcher asks the
// other regions of the job's multiregion block how their deployments of
// the same rollout stand and moves its own:
//
//   - pending to running when fewer than max_parallel of the regions
//     before it in the block are still to complete (0: all at once);
//   - the local deployment watcher moves a complete one to blocked rather
//     than successful; blocked to successful once every region is blocked
//     or successful;
//   - to failed when another region failed and on_failure says so: every
//     region with fail_all, those after the failed one by default, none
//     with fail_local (whose other regions stay blocked until unblocked by
//     hand).
//
// A region that cannot be reached holds those waiting on it, with the
// reason in their status description, until it answers again.

// Defaults of the multiregion watcher.
const (
	// multiregionPoll is the time between two looks at the other regions
	// while a multiregion deployment is active.
	multiregionPoll = time.Second
	// multiregionAskTimeout bounds one question to another region.
	multiregionAskTimeout = 5 * time.Second
)

type multiregionWatcher struct {
	*watchLoop
	srv *Server
}

func newMultiregionWatcher(s *Server) *multiregionWatcher {
	w := &multiregionWatcher{srv: s}
	w.watchLoop = newWatchLoop(s, multiregionPoll, w.pass)
	return w
}

// regionState is how one region's deployment of a rollout stands.
type regionState struct {
	status string // a deployment status; "" when none exists yet
	err    error  // the region could not be asked
}

func (w *multiregionWatcher) pass(ws memdb.WatchSet) (time.Time, bool) {
	st := w.srv.State()
	ws.Add(st.AbandonCh())
	it, err := st.Deployments(ws)
	if err != nil {
		w.srv.logger.Error("multiregion: list deployments", "error", err)
		return time.Time{}, true
	}
	var active []*structs.Deployment
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if d := raw.(*structs.Deployment); d.IsMultiregion && d.Active() {
			active = append(active, d)
		}
	}
	if len(active) == 0 {
		return time.Time{}, false
	}
	now := w.srv.clock().Now()
	req := &structs.DeploymentProgressRequest{}
	var reverts []revertTo
	for _, d := range active {
		job, err := st.JobByID(nil, d.Namespace, d.JobID)
		if err != nil || job == nil || job.Multiregion == nil || job.Version != d.JobVersion {
			continue // the scheduler cancels a deployment of another version
		}
		p, eval, stable, revert := w.decide(d, job, now)
		if p != nil {
			req.Deployments = append(req.Deployments, p)
		}
		if eval != nil {
			req.Evals = append(req.Evals, eval)
		}
		if stable != nil {
			req.StableJobs = append(req.StableJobs, stable)
		}
		if revert != nil {
			reverts = append(reverts, *revert)
		}
	}
	next := now.Add(multiregionPoll)
	if len(req.Deployments) == 0 {
		return next, false
	}
	if _, _, err := w.srv.raftApply(structs.DeploymentProgressRequestType, req); err != nil {
		w.srv.logger.Error("multiregion: write deployment progress", "error", err)
		return next, true
	}
	for _, p := range req.Deployments {
		if p.Status != "" {
			w.srv.logger.Info("multiregion deployment status changed", "deployment_id", p.DeploymentID, "status", p.Status, "description", p.StatusDescription)
		}
	}
	for _, r := range reverts {
		if err := w.srv.deployments.revert(r); err != nil {
			w.srv.logger.Error("multiregion: auto revert failed", "job_id", r.jobID, "to_version", r.to, "error", err)
		}
	}
	return next, false
}

// decide is what d's region does next given the other regions.
func (w *multiregionWatcher) decide(d *structs.Deployment, job *structs.Job, now time.Time) (*structs.DeploymentProgress, *structs.Evaluation, *structs.JobStabilityUpdate, *revertTo) {
	regions := make([]string, 0, len(job.Multiregion.Regions))
	for _, r := range job.Multiregion.Regions {
		if r != nil {
			regions = append(regions, r.Name)
		}
	}
	me := slices.Index(regions, w.srv.Region())
	if me < 0 {
		return nil, nil, nil, nil
	}
	states := make([]regionState, len(regions))
	for i, r := range regions {
		if i == me {
			states[i] = regionState{status: d.Status}
			continue
		}
		states[i] = w.ask(r, job)
	}
	strategy := job.Multiregion.Strategy
	maxParallel, onFailure := 0, ""
	if strategy != nil {
		maxParallel, onFailure = strategy.MaxParallel, strategy.OnFailure
	}
	progress := func(status, desc string) *structs.DeploymentProgress {
		return &structs.DeploymentProgress{DeploymentID: d.ID, Status: status, StatusDescription: desc, ModifyTime: now.UnixNano()}
	}

	// Another region failed.
	for i, s := range states {
		if i == me || s.status != structs.DeploymentStatusFailed || d.Status == structs.DeploymentStatusSuccessful {
			continue
		}
		if onFailure == structs.MultiregionOnFailureAll || onFailure == "" && i < me {
			desc := fmt.Sprintf("Failed because the deployment of region %q failed (on_failure = %q)", regions[i], onFailure)
			var r *revertTo
			if autoRevert(d) && d.Status == structs.DeploymentStatusRunning {
				var suffix string
				var err error
				if r, suffix, err = w.srv.deployments.revertTarget(w.srv.State(), d, job); err == nil {
					desc += suffix
				}
			}
			return progress(structs.DeploymentStatusFailed, desc), nil, nil, r
		}
	}

	// What the others are waiting on, said where nothing else changes.
	waiting := func(what []int) string {
		var parts []string
		for _, i := range what {
			switch s := states[i]; {
			case s.err != nil:
				parts = append(parts, fmt.Sprintf("region %q, which cannot be reached (%v)", regions[i], s.err))
			case s.status == "":
				parts = append(parts, fmt.Sprintf("region %q (no deployment yet)", regions[i]))
			default:
				parts = append(parts, fmt.Sprintf("region %q (%s)", regions[i], s.status))
			}
		}
		return strings.Join(parts, ", ")
	}
	complete := func(i int) bool {
		s := states[i]
		return s.err == nil && (s.status == structs.DeploymentStatusBlocked || s.status == structs.DeploymentStatusSuccessful ||
			s.status == structs.DeploymentStatusFailed && onFailure == structs.MultiregionOnFailureLocal)
	}

	switch d.Status {
	case structs.DeploymentStatusPending:
		var before []int
		for i := 0; i < me; i++ {
			if !complete(i) {
				before = append(before, i)
			}
		}
		if maxParallel <= 0 || len(before) < maxParallel {
			p := progress(structs.DeploymentStatusRunning, structs.DeploymentDescMultiregionRunning)
			p.Groups = map[string]*structs.DeploymentGroupProgress{}
			for name, g := range d.TaskGroups {
				gp := &structs.DeploymentGroupProgress{}
				if g.ProgressDeadline > 0 {
					gp.RequireProgressBy = now.Add(g.ProgressDeadline)
				}
				p.Groups[name] = gp
			}
			return p, w.srv.deployments.deploymentEval(d, job, now), nil, nil
		}
		desc := structs.DeploymentDescMultiregionPending + "; waiting for " + waiting(before)
		if desc != d.StatusDescription {
			return progress(structs.DeploymentStatusPending, desc), nil, nil, nil
		}
	case structs.DeploymentStatusBlocked:
		var open []int
		for i := range states {
			s := states[i]
			if i != me && (s.err != nil || s.status != structs.DeploymentStatusBlocked && s.status != structs.DeploymentStatusSuccessful) {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			stable := &structs.JobStabilityUpdate{Namespace: d.Namespace, JobID: d.JobID, JobVersion: d.JobVersion, Stable: true}
			return progress(structs.DeploymentStatusSuccessful, structs.DeploymentDescMultiregionDone), nil, stable, nil
		}
		desc := structs.DeploymentDescMultiregionBlocked + "; waiting for " + waiting(open)
		if desc != d.StatusDescription {
			return progress(structs.DeploymentStatusBlocked, desc), nil, nil, nil
		}
	}
	return nil, nil, nil, nil
}

// ask is how region's deployment of job's rollout stands.
func (w *multiregionWatcher) ask(region string, job *structs.Job) regionState {
	args := &structs.MultiregionStatusRequest{JobID: job.ID, Rollout: job.MultiregionRollout,
		QueryOptions: structs.QueryOptions{Region: region, Namespace: job.Namespace}}
	var reply structs.MultiregionStatusResponse
	if err := w.srv.forwardRegionWithin(region, "Deployment.MultiregionStatus", args, &reply, multiregionAskTimeout); err != nil {
		return regionState{err: err}
	}
	return regionState{status: reply.Status}
}
