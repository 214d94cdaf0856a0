package nomadish

import (
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// deploymentWatcherRetry is how long the watcher waits before trying a
// failed write again.
const deploymentWatcherRetry = 5 * time.Second

// deploymentWatcher runs on the leader and moves deployments forward. The
// scheduler creates a deployment when it places a service group with an
// update block and replaces at most max_parallel of its allocations that
// are not yet healthy; clients report each allocation's health once
// (client/allocrunner/health.go). For every running deployment the
// watcher, in one Raft entry per pass:
//
//   - keeps each group's HealthyAllocs and UnhealthyAllocs equal to the
//     health its allocations reported, and moves the group's
//     RequireProgressBy to now + progress_deadline whenever one more of
//     them became healthy;
//   - creates an evaluation of the job (triggered by "deployment-watcher")
//     when an allocation became healthy, so that the scheduler places the
//     next batch;
//   - marks the deployment successful once every group has as many
//     healthy allocations as its count and no allocation of an older
//     version of the job is left running, and marks that job version
//     stable;
//   - marks it failed when an allocation is unhealthy or a group's
//     progress deadline passes first, and then, if the group has
//     auto_revert, registers the job's latest stable version again
//     (Job.Revert), which the scheduler rolls out as a new deployment.
//
// Paused and blocked deployments keep their counts in step but do not
// move. The watcher waits on watch sets of the deployments table and of
// the running deployments' allocations, and on a timer for the nearest
// progress deadline; it never polls. A deployment whose last judgement
// wrote nothing is judged again only once something it read changed.
//
// A group with canaries (DesiredCanaries > 0) is not complete until it is
// promoted. Once all of its canaries are healthy its progress deadline
// stops running (an operator may take their time to promote); if every
// group waiting so has auto_promote, the watcher promotes them all in the
// same entry and creates the evaluation that rolls out the rest, with a
// full progress deadline from then on. An unhealthy canary fails the
// deployment like any unhealthy allocation of it.
type deploymentWatcher struct {
	srv    *Server
	logger hclog.Logger
	// watchLoop runs pass; its start, stop and wake are this type's.
	*watchLoop

	// quiet holds, by deployment ID, the last judgement of each
	// deployment that had nothing to write, with what it read; quietOf
	// is the state store they were read from. Only pass uses them.
	quiet   map[string]*quietJudgement
	quietOf *state.StateStore
	// afterPass, when set (tests), is told which deployments a pass
	// judged.
	afterPass atomic.Pointer[func(judged []string)]
}

// quietJudgement is a judgement that wrote nothing. While the deployment,
// its job and the job's allocations stay as they were (none of ws's
// channels has fired) and its progress deadline is still ahead, judging
// it again would come to the same: the pass skips it.
type quietJudgement struct {
	modifyIndex uint64
	ws          memdb.WatchSet
	wakeAt      time.Time
}

// watchFired reports whether any channel of ws has fired.
func watchFired(ws memdb.WatchSet) bool {
	for ch := range ws {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

func newDeploymentWatcher(s *Server) *deploymentWatcher {
	w := &deploymentWatcher{srv: s, logger: s.logger.Named("deployment_watcher")}
	w.watchLoop = newWatchLoop(s, deploymentWatcherRetry, w.pass)
	w.minInterval = s.config.DeploymentWatchInterval
	return w
}

// revertTo is a job version to register again after a failed deployment.
type revertTo struct {
	namespace, jobID string
	from, to         uint64
}

// pass looks at every active deployment once and writes what changed in
// one Raft entry. It returns the earliest progress deadline to wake for,
// and whether something failed.
func (w *deploymentWatcher) pass(ws memdb.WatchSet) (next time.Time, failed bool) {
	st := w.srv.State()
	ws.Add(st.AbandonCh())
	it, err := st.Deployments(ws)
	if err != nil {
		w.logger.Error("list deployments", "error", err)
		return time.Time{}, true
	}
	var active []*structs.Deployment
	for raw := it.Next(); raw != nil; raw = it.Next() {
		// A multiregion deployment waiting for its turn, or complete here
		// and waiting for the other regions, is the multiregion
		// watcher's.
		if d := raw.(*structs.Deployment); d.Active() && d.Status != structs.DeploymentStatusPending && d.Status != structs.DeploymentStatusBlocked {
			active = append(active, d)
		}
	}
	sort.Slice(active, func(i, j int) bool { return active[i].CreateIndex < active[j].CreateIndex })

	now := w.srv.clock().Now()
	req := &structs.DeploymentProgressRequest{}
	var reverts []revertTo
	if w.quietOf != st {
		w.quiet, w.quietOf = map[string]*quietJudgement{}, st
	}
	live := make(map[string]bool, len(active))
	var judged []string
	for _, d := range active {
		live[d.ID] = true
		if q := w.quiet[d.ID]; q != nil && q.modifyIndex == d.ModifyIndex &&
			(q.wakeAt.IsZero() || now.Before(q.wakeAt)) && !watchFired(q.ws) {
			for ch := range q.ws {
				ws.Add(ch)
			}
			if !q.wakeAt.IsZero() && (next.IsZero() || q.wakeAt.Before(next)) {
				next = q.wakeAt
			}
			continue
		}
		delete(w.quiet, d.ID)
		dws := memdb.NewWatchSet()
		dws.Add(st.AbandonCh())
		out, err := w.judge(dws, st, d, now)
		for ch := range dws {
			ws.Add(ch)
		}
		judged = append(judged, d.ID)
		if err != nil {
			w.logger.Error("judge deployment", "deployment_id", d.ID, "error", err)
			failed = true
			continue
		}
		if out.progress == nil && out.stable == nil && out.eval == nil && out.revert == nil {
			w.quiet[d.ID] = &quietJudgement{modifyIndex: d.ModifyIndex, ws: dws, wakeAt: out.wakeAt}
		}
		if out.progress != nil {
			req.Deployments = append(req.Deployments, out.progress)
		}
		if out.stable != nil {
			req.StableJobs = append(req.StableJobs, out.stable)
		}
		if out.eval != nil {
			req.Evals = append(req.Evals, out.eval)
		}
		if out.revert != nil {
			reverts = append(reverts, *out.revert)
		}
		if !out.wakeAt.IsZero() && (next.IsZero() || out.wakeAt.Before(next)) {
			next = out.wakeAt
		}
	}
	for id := range w.quiet {
		if !live[id] {
			delete(w.quiet, id)
		}
	}
	if f := w.afterPass.Load(); f != nil {
		(*f)(judged)
	}
	if len(req.Deployments)+len(req.StableJobs)+len(req.Evals) == 0 {
		return next, failed
	}
	if _, _, err := w.srv.raftApply(structs.DeploymentProgressRequestType, req); err != nil {
		w.logger.Error("write deployment progress", "error", err)
		return next, true
	}
	for _, p := range req.Deployments {
		if p.Status != "" {
			w.logger.Info("deployment status changed", "deployment_id", p.DeploymentID, "status", p.Status, "description", p.StatusDescription)
		}
	}
	for _, r := range reverts {
		if err := w.revert(r); err != nil {
			// The deployment is failed already; the revert is not retried.
			w.logger.Error("auto revert failed", "namespace", r.namespace, "job_id", r.jobID, "to_version", r.to, "error", err)
		}
	}
	return next, failed
}

// judgement is what one deployment needs written.
type judgement struct {
	progress *structs.DeploymentProgress // nil: nothing changed
	stable   *structs.JobStabilityUpdate
	eval     *structs.Evaluation
	revert   *revertTo
	wakeAt   time.Time // the nearest progress deadline still ahead
}

// judge compares a deployment with its allocations at now.
func (w *deploymentWatcher) judge(ws memdb.WatchSet, st *state.StateStore, d *structs.Deployment, now time.Time) (judgement, error) {
	var out judgement
	// One scan of the job's allocations (of every incarnation of its ID)
	// yields both the deployment's and the current job's: the watcher
	// judges every running deployment at each pass.
	job, err := st.JobByID(ws, d.Namespace, d.JobID)
	if err != nil {
		return out, err
	}
	all, err := st.AllocsByJob(ws, d.Namespace, d.JobID, true)
	if err != nil {
		return out, err
	}
	healthy, unhealthy := map[string]int{}, map[string]int{}
	jobAllocs := make([]*structs.Allocation, 0, len(all))
	for _, a := range all {
		if job == nil || a.Job == nil || a.Job.CreateIndex == job.CreateIndex {
			jobAllocs = append(jobAllocs, a)
		}
		if a.DeploymentID != d.ID || a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil {
			continue
		}
		if *a.DeploymentStatus.Healthy {
			healthy[a.TaskGroup]++
		} else {
			unhealthy[a.TaskGroup]++
		}
	}
	for g, n := range updatedInPlace(d, jobAllocs) {
		healthy[g] += n
	}
	canaries := canaryHealth(d, all)

	p := &structs.DeploymentProgress{DeploymentID: d.ID, Groups: map[string]*structs.DeploymentGroupProgress{}}
	changed, progressed := false, false
	names := make([]string, 0, len(d.TaskGroups))
	for name := range d.TaskGroups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g := d.TaskGroups[name]
		gp := &structs.DeploymentGroupProgress{HealthyAllocs: healthy[name], UnhealthyAllocs: unhealthy[name], RequireProgressBy: g.RequireProgressBy}
		if gp.HealthyAllocs > g.HealthyAllocs {
			progressed = true
			if g.ProgressDeadline > 0 {
				gp.RequireProgressBy = now.Add(g.ProgressDeadline)
			}
		}
		if gp.HealthyAllocs != g.HealthyAllocs || gp.UnhealthyAllocs != g.UnhealthyAllocs || !gp.RequireProgressBy.Equal(g.RequireProgressBy) {
			changed = true
		}
		p.Groups[name] = gp
	}

	if d.Status == structs.DeploymentStatusRunning {
		var deadlinePassed, complete bool
		complete = true
		// Groups whose canaries are all healthy and wait for promotion,
		// and whether all of those promote themselves.
		var awaiting []string
		autoPromote := true
		for _, name := range names {
			g := d.TaskGroups[name]
			if g.DesiredCanaries > 0 && !g.Promoted && canaries[name].healthy >= g.DesiredCanaries {
				awaiting = append(awaiting, name)
				autoPromote = autoPromote && g.AutoPromote
			}
		}
		awaits := func(name string) bool {
			for _, n := range awaiting {
				if n == name {
					return true
				}
			}
			return false
		}
		for _, name := range names {
			g, gp := d.TaskGroups[name], p.Groups[name]
			pending := g.DesiredCanaries > 0 && !g.Promoted
			if gp.HealthyAllocs >= g.DesiredTotal && !pending {
				continue
			}
			complete = false
			if g.ProgressDeadline <= 0 || gp.RequireProgressBy.IsZero() || awaits(name) {
				continue
			}
			if !now.Before(gp.RequireProgressBy) {
				deadlinePassed = true
			} else if out.wakeAt.IsZero() || gp.RequireProgressBy.Before(out.wakeAt) {
				out.wakeAt = gp.RequireProgressBy
			}
		}
		if complete {
			complete = !olderVersionRunning(d, jobAllocs)
		}
		anyUnhealthy := false
		for _, n := range unhealthy {
			anyUnhealthy = anyUnhealthy || n > 0
		}
		switch {
		case anyUnhealthy || deadlinePassed:
			desc := structs.DeploymentDescUnhealthyAllocs
			if !anyUnhealthy {
				desc = structs.DeploymentDescProgressDeadline
			}
			p.Status = structs.DeploymentStatusFailed
			out.wakeAt = time.Time{}
			if autoRevert(d) {
				r, suffix, err := w.revertTarget(st, d, job)
				if err != nil {
					return out, err
				}
				desc += suffix
				out.revert = r
			}
			p.StatusDescription = desc
			changed = true
		case len(awaiting) > 0 && autoPromote && !promotionPending(d, awaiting):
			// Every group waiting for promotion promotes itself; groups
			// whose canaries are not all healthy yet are promoted when
			// they are.
			p.PromoteGroups = awaiting
			p.Status = structs.DeploymentStatusRunning
			p.StatusDescription = structs.DeploymentDescPromoted
			for _, name := range awaiting {
				if g := d.TaskGroups[name]; g.ProgressDeadline > 0 {
					p.Groups[name].RequireProgressBy = now.Add(g.ProgressDeadline)
				}
			}
			changed = true
			if job != nil {
				out.eval = w.deploymentEval(d, job, now)
			}
		case len(awaiting) > 0 && d.StatusDescription != structs.DeploymentDescNeedsPromotion && !autoPromote:
			p.Status = structs.DeploymentStatusRunning
			p.StatusDescription = structs.DeploymentDescNeedsPromotion
			changed = true
		case complete && d.IsMultiregion:
			// Successful once every region is (multiregion_watcher.go).
			p.Status = structs.DeploymentStatusBlocked
			p.StatusDescription = structs.DeploymentDescMultiregionBlocked
			out.wakeAt = time.Time{}
			changed = true
		case complete:
			p.Status = structs.DeploymentStatusSuccessful
			p.StatusDescription = structs.DeploymentDescSuccessful
			out.stable = &structs.JobStabilityUpdate{Namespace: d.Namespace, JobID: d.JobID, JobVersion: d.JobVersion, Stable: true}
			out.wakeAt = time.Time{}
			changed = true
		case progressed && job != nil:
			out.eval = w.deploymentEval(d, job, now)
		}
	}
	if changed {
		p.ModifyTime = now.UnixNano()
		out.progress = p
	}
	return out, nil
}

// deploymentEval is an evaluation of d's job that lets the scheduler
// continue the deployment.
func (w *deploymentWatcher) deploymentEval(d *structs.Deployment, job *structs.Job, now time.Time) *structs.Evaluation {
	return &structs.Evaluation{
		ID: uuid.NewString(), Namespace: d.Namespace, Priority: evalPriority(d, job), Type: job.Type,
		TriggeredBy: structs.EvalTriggerDeploymentWatcher, JobID: d.JobID, JobModifyIndex: job.JobModifyIndex,
		DeploymentID: d.ID, Status: structs.EvalStatusPending, CreateTime: now.UnixNano(), ModifyTime: now.UnixNano(),
	}
}

// promotionPending reports whether every group named is promoted in d
// already (a promotion written but not yet seen would be written twice).
func promotionPending(d *structs.Deployment, groups []string) bool {
	for _, name := range groups {
		if g := d.TaskGroups[name]; g == nil || !g.Promoted {
			return false
		}
	}
	return true
}

// canaryCounts is one group's canaries in a deployment.
type canaryCounts struct {
	placed, healthy, unhealthy int
}

// canaryHealth counts, per group, the canaries of d that are meant to
// run and how many of them reported healthy or unhealthy.
func canaryHealth(d *structs.Deployment, allocs []*structs.Allocation) map[string]canaryCounts {
	out := map[string]canaryCounts{}
	for _, a := range allocs {
		ds := a.DeploymentStatus
		if a.DeploymentID != d.ID || ds == nil || !ds.Canary || a.DesiredStatus != structs.AllocDesiredStatusRun {
			continue
		}
		c := out[a.TaskGroup]
		c.placed++
		if ds.Healthy != nil {
			if *ds.Healthy {
				c.healthy++
			} else {
				c.unhealthy++
			}
		}
		out[a.TaskGroup] = c
	}
	return out
}

// olderVersionRunning reports whether an allocation of the deployment's
// job that is not of its version is still meant to run.
func olderVersionRunning(d *structs.Deployment, jobAllocs []*structs.Allocation) bool {
	for _, a := range jobAllocs {
		if a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientTerminalStatus() || a.Job == nil {
			continue
		}
		if a.Job.Version != d.JobVersion || a.Job.CreateIndex != d.JobCreateIndex {
			return true
		}
	}
	return false
}

// updatedInPlace counts, per group, the running allocations of the
// deployment's job version that are not part of it: the scheduler
// updated them in place (their tasks were not restarted) and does not
// give them the deployment. They keep the health they had, so unless
// they were reported unhealthy they count as healthy toward the group's
// count. Without this, a deployment whose version only partly replaces
// allocations (a revert to a version some allocations still run) would
// never reach its count.
func updatedInPlace(d *structs.Deployment, jobAllocs []*structs.Allocation) map[string]int {
	out := map[string]int{}
	for _, a := range jobAllocs {
		if a.DeploymentID == d.ID || a.Job == nil || a.Job.Version != d.JobVersion || a.Job.CreateIndex != d.JobCreateIndex {
			continue
		}
		if a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientStatus != structs.AllocClientStatusRunning {
			continue
		}
		if ds := a.DeploymentStatus; ds != nil && ds.Healthy != nil && !*ds.Healthy {
			continue
		}
		out[a.TaskGroup]++
	}
	return out
}

func autoRevert(d *structs.Deployment) bool {
	for _, g := range d.TaskGroups {
		if g.AutoRevert {
			return true
		}
	}
	return false
}

func evalPriority(d *structs.Deployment, job *structs.Job) int {
	if d.EvalPriority > 0 {
		return d.EvalPriority
	}
	return job.Priority
}

// revertTarget finds the latest stable version of the job older than the
// deployment's, to revert to when the deployment fails. It returns the
// suffix of the failure's description.
func (w *deploymentWatcher) revertTarget(st *state.StateStore, d *structs.Deployment, job *structs.Job) (*revertTo, string, error) {
	if job == nil || job.Version != d.JobVersion || job.CreateIndex != d.JobCreateIndex {
		// The job moved on (or went); the scheduler cancels this deployment.
		return nil, "", nil
	}
	versions, err := st.JobVersionsByID(nil, d.Namespace, d.JobID)
	if err != nil {
		return nil, "", err
	}
	for _, v := range versions { // newest first
		if v.Stable && v.Version < d.JobVersion {
			return &revertTo{namespace: d.Namespace, jobID: d.JobID, from: d.JobVersion, to: v.Version},
				fmt.Sprintf(structs.DeploymentDescRollbackSuffix, v.Version), nil
		}
	}
	return nil, structs.DeploymentDescNoRollbackSuffix, nil
}

// revert registers version r.to of the job again, provided the job is
// still at r.from.
func (w *deploymentWatcher) revert(r revertTo) error {
	from := r.from
	args := &structs.JobRevertRequest{
		JobID: r.jobID, JobVersion: r.to, EnforcePriorVersion: &from,
		WriteRequest: structs.WriteRequest{Region: w.srv.config.Region, Namespace: r.namespace},
	}
	var reply structs.JobRegisterResponse
	if err := w.srv.RPC("Job.Revert", args, &reply); err != nil {
		return fmt.Errorf("revert job %q to version %d: %w", r.jobID, r.to, err)
	}
	w.logger.Info("job reverted after a failed deployment", "namespace", r.namespace, "job_id", r.jobID, "from_version", r.from, "to_version", r.to)
	return nil
}
