package nomadish

import (
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Deployment is the RPC endpoint for deployments, which the scheduler
// creates for service groups with an update block.
type Deployment struct {
	srv    *Server
	logger hclog.Logger
}

// List lists deployments, newest first, optionally by ID prefix;
// namespace "*" lists all.
func (d *Deployment) List(args *structs.DeploymentListRequest, reply *structs.DeploymentListResponse) error {
	if done, err := d.srv.forward("Deployment.List", args, args, reply); done {
		return err
	}
	return d.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			it, err := st.Deployments(ws)
			if err != nil {
				return err
			}
			out := []*structs.Deployment{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				dep := raw.(*structs.Deployment)
				if (args.Namespace == "*" || dep.Namespace == args.RequestNamespace()) && hasPrefix(dep.ID, args.Prefix) {
					out = append(out, dep)
				}
			}
			sortDeploymentsNewestFirst(out)
			reply.Deployments = out
			return setTableIndex(st, &reply.QueryMeta, "deployment")
		},
	})
}

// GetDeployment returns one deployment, or a nil Deployment.
func (d *Deployment) GetDeployment(args *structs.DeploymentSpecificRequest, reply *structs.SingleDeploymentResponse) error {
	if done, err := d.srv.forward("Deployment.GetDeployment", args, args, reply); done {
		return err
	}
	return d.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			dep, err := st.DeploymentByID(ws, args.DeploymentID)
			if err != nil {
				return err
			}
			reply.Deployment = dep
			return setIndexFromObject(st, &reply.QueryMeta, "deployment", dep != nil, func() uint64 { return dep.ModifyIndex })
		},
	})
}

// Allocations lists a deployment's allocations; an unknown deployment is
// ErrNotFound.
func (d *Deployment) Allocations(args *structs.DeploymentSpecificRequest, reply *structs.JobAllocationsResponse) error {
	if done, err := d.srv.forward("Deployment.Allocations", args, args, reply); done {
		return err
	}
	return d.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			dep, err := st.DeploymentByID(ws, args.DeploymentID)
			if err != nil {
				return err
			}
			if dep == nil {
				return fmt.Errorf("deployment %q: %w", args.DeploymentID, structs.ErrNotFound)
			}
			allocs, err := st.AllocsByDeployment(ws, args.DeploymentID)
			if err != nil {
				return err
			}
			reply.Allocations = allocStubs(allocs)
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}

// Deployments lists a job's deployments, newest first.
func (j *Job) Deployments(args *structs.JobSpecificRequest, reply *structs.DeploymentListResponse) error {
	if done, err := j.srv.forward("Job.Deployments", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			deps, err := st.DeploymentsByJobID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			if deps == nil {
				deps = []*structs.Deployment{}
			}
			sortDeploymentsNewestFirst(deps)
			reply.Deployments = deps
			return setTableIndex(st, &reply.QueryMeta, "deployment")
		},
	})
}

// LatestDeployment returns a job's newest deployment, or nil.
func (j *Job) LatestDeployment(args *structs.JobSpecificRequest, reply *structs.SingleDeploymentResponse) error {
	if done, err := j.srv.forward("Job.LatestDeployment", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			dep, err := st.LatestDeploymentByJobID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			reply.Deployment = dep
			return setTableIndex(st, &reply.QueryMeta, "deployment")
		},
	})
}

func sortDeploymentsNewestFirst(deps []*structs.Deployment) {
	sort.Slice(deps, func(a, b int) bool { return deps[a].CreateIndex > deps[b].CreateIndex })
}

// Fail marks an active deployment failed, as an operator does with
// `deployment fail`: nothing more of it is placed, and if a group has
// auto_revert the job is reverted to its latest stable version.
func (d *Deployment) Fail(args *structs.DeploymentFailRequest, reply *structs.DeploymentUpdateResponse) error {
	if done, err := d.srv.forward("Deployment.Fail", args, args, reply); done {
		return err
	}
	dep, err := d.activeDeployment(args.DeploymentID)
	if err != nil {
		return err
	}
	st := d.srv.State()
	job, err := st.JobByID(nil, dep.Namespace, dep.JobID)
	if err != nil {
		return err
	}
	desc := structs.DeploymentDescFailedByUser
	var r *revertTo
	if autoRevert(dep) {
		var suffix string
		if r, suffix, err = d.srv.deployments.revertTarget(st, dep, job); err != nil {
			return err
		}
		desc += suffix
	}
	if err := d.setStatus(dep, job, structs.DeploymentStatusFailed, desc, reply); err != nil {
		return err
	}
	if r != nil {
		if err := d.srv.deployments.revert(*r); err != nil {
			return err
		}
		to := r.to
		reply.RevertedJobVersion = &to
	}
	return nil
}

// Pause pauses an active deployment (the scheduler replaces nothing more
// of it until it is resumed) or resumes a paused one.
func (d *Deployment) Pause(args *structs.DeploymentPauseRequest, reply *structs.DeploymentUpdateResponse) error {
	if done, err := d.srv.forward("Deployment.Pause", args, args, reply); done {
		return err
	}
	dep, err := d.activeDeployment(args.DeploymentID)
	if err != nil {
		return err
	}
	job, err := d.srv.State().JobByID(nil, dep.Namespace, dep.JobID)
	if err != nil {
		return err
	}
	if args.Pause {
		return d.setStatus(dep, nil, structs.DeploymentStatusPaused, structs.DeploymentDescPaused, reply)
	}
	return d.setStatus(dep, job, structs.DeploymentStatusRunning, structs.DeploymentDescResumed, reply)
}

// Promote promotes the canaries of a running deployment: of every group
// with canaries when All is set, else of the named groups. A group is
// promoted only when all its canaries are placed and healthy; the
// request is refused whole otherwise. The evaluation it creates rolls
// out the rest of the promoted groups.
func (d *Deployment) Promote(args *structs.DeploymentPromoteRequest, reply *structs.DeploymentUpdateResponse) error {
	if done, err := d.srv.forward("Deployment.Promote", args, args, reply); done {
		return err
	}
	dep, err := d.activeDeployment(args.DeploymentID)
	if err != nil {
		return err
	}
	if dep.Status != structs.DeploymentStatusRunning {
		return invalid("DeploymentID", "deployment %q is %s; resume it before promoting it", dep.ID, dep.Status)
	}
	st := d.srv.State()
	job, err := st.JobByID(nil, dep.Namespace, dep.JobID)
	if err != nil {
		return err
	}
	allocs, err := st.AllocsByDeployment(nil, dep.ID)
	if err != nil {
		return err
	}
	groups, err := promotableGroups(dep, args, canaryHealth(dep, allocs))
	if err != nil {
		return err
	}
	now := d.srv.clock().Now()
	p := &structs.DeploymentProgress{
		DeploymentID: dep.ID, Status: structs.DeploymentStatusRunning, StatusDescription: structs.DeploymentDescPromoted,
		PromoteGroups: groups, Groups: map[string]*structs.DeploymentGroupProgress{}, ModifyTime: now.UnixNano(),
	}
	// The rollout after promotion gets a full progress deadline.
	for _, name := range groups {
		g := dep.TaskGroups[name]
		if g.ProgressDeadline > 0 {
			p.Groups[name] = &structs.DeploymentGroupProgress{HealthyAllocs: g.HealthyAllocs, UnhealthyAllocs: g.UnhealthyAllocs,
				RequireProgressBy: now.Add(g.ProgressDeadline)}
		}
	}
	req := &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{p}}
	if job != nil {
		ev := d.srv.deployments.deploymentEval(dep, job, now)
		req.Evals = []*structs.Evaluation{ev}
		reply.EvalID = ev.ID
	}
	_, index, err := d.srv.raftApply(structs.DeploymentProgressRequestType, req)
	if err != nil {
		return fmt.Errorf("promote deployment %s: %w", dep.ID, err)
	}
	if reply.EvalID != "" {
		reply.EvalCreateIndex = index
	}
	reply.DeploymentModifyIndex = index
	reply.Index = index
	d.logger.Info("deployment promoted", "deployment_id", dep.ID, "groups", groups)
	return nil
}

// promotableGroups resolves a promotion request to the groups it
// promotes, sorted, or says why it cannot be done.
func promotableGroups(dep *structs.Deployment, args *structs.DeploymentPromoteRequest, canaries map[string]canaryCounts) ([]string, error) {
	var withCanaries []string
	for name, g := range dep.TaskGroups {
		if g.DesiredCanaries > 0 {
			withCanaries = append(withCanaries, name)
		}
	}
	sort.Strings(withCanaries)
	var want []string
	switch {
	case args.All && len(args.Groups) > 0:
		return nil, invalid("Groups", "give either All or Groups, not both")
	case args.All:
		want = withCanaries
	case len(args.Groups) == 0:
		return nil, invalid("Groups", "name the groups to promote, or set All")
	default:
		seen := map[string]bool{}
		for _, name := range args.Groups {
			g := dep.TaskGroups[name]
			switch {
			case g == nil:
				return nil, invalid("Groups", "deployment %q has no group %q; its groups with canaries are %s", dep.ID, name, quotedList(withCanaries))
			case g.DesiredCanaries == 0:
				return nil, invalid("Groups", "group %q of deployment %q has no canaries to promote; its groups with canaries are %s", name, dep.ID, quotedList(withCanaries))
			}
			if !seen[name] {
				seen[name] = true
				want = append(want, name)
			}
		}
		sort.Strings(want)
	}
	if len(want) == 0 {
		return nil, invalid("DeploymentID", "deployment %q has no canaries to promote", dep.ID)
	}
	for _, name := range want {
		g, c := dep.TaskGroups[name], canaries[name]
		if g.Promoted {
			continue
		}
		if c.healthy < g.DesiredCanaries {
			return nil, invalid("Groups", "group %q has %d of %d canaries healthy (%d placed, %d unhealthy); a group is promoted only when all its canaries are healthy",
				name, c.healthy, g.DesiredCanaries, c.placed, c.unhealthy)
		}
	}
	return want, nil
}

func quotedList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", n)
	}
	return out
}

// resumedGroups gives every group with a progress deadline a full one
// again from now: the time spent paused does not count against it.
func resumedGroups(dep *structs.Deployment, now time.Time) map[string]*structs.DeploymentGroupProgress {
	out := map[string]*structs.DeploymentGroupProgress{}
	for name, g := range dep.TaskGroups {
		if g.ProgressDeadline > 0 {
			out[name] = &structs.DeploymentGroupProgress{HealthyAllocs: g.HealthyAllocs, UnhealthyAllocs: g.UnhealthyAllocs,
				RequireProgressBy: now.Add(g.ProgressDeadline)}
		}
	}
	return out
}

// activeDeployment looks a deployment up and refuses one that has ended.
func (d *Deployment) activeDeployment(id string) (*structs.Deployment, error) {
	if id == "" {
		return nil, invalid("DeploymentID", "required")
	}
	dep, err := d.srv.State().DeploymentByID(nil, id)
	if err != nil {
		return nil, err
	}
	if dep == nil {
		return nil, fmt.Errorf("deployment %q: %w", id, structs.ErrNotFound)
	}
	if !dep.Active() {
		return nil, invalid("DeploymentID", "deployment %q is %s; only a running, paused or blocked deployment can change", id, dep.Status)
	}
	return dep, nil
}

// setStatus writes a deployment's new status with, when job is given, an
// evaluation of it so that the scheduler reacts.
func (d *Deployment) setStatus(dep *structs.Deployment, job *structs.Job, status, desc string, reply *structs.DeploymentUpdateResponse) error {
	now := d.srv.clock().Now()
	req := &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{{
		DeploymentID: dep.ID, Status: status, StatusDescription: desc, ModifyTime: now.UnixNano(),
	}}}
	if status == structs.DeploymentStatusRunning {
		req.Deployments[0].Groups = resumedGroups(dep, now)
	}
	if job != nil {
		ev := &structs.Evaluation{
			ID: uuid.NewString(), Namespace: dep.Namespace, Priority: evalPriority(dep, job), Type: job.Type,
			TriggeredBy: structs.EvalTriggerDeploymentWatcher, JobID: dep.JobID, JobModifyIndex: job.JobModifyIndex,
			DeploymentID: dep.ID, Status: structs.EvalStatusPending, CreateTime: now.UnixNano(), ModifyTime: now.UnixNano(),
		}
		req.Evals = []*structs.Evaluation{ev}
		reply.EvalID = ev.ID
	}
	_, index, err := d.srv.raftApply(structs.DeploymentProgressRequestType, req)
	if err != nil {
		return fmt.Errorf("set deployment %s %s: %w", dep.ID, status, err)
	}
	if reply.EvalID != "" {
		reply.EvalCreateIndex = index
	}
	reply.DeploymentModifyIndex = index
	reply.Index = index
	d.logger.Info("deployment status changed", "deployment_id", dep.ID, "status", status, "description", desc)
	return nil
}

// maxAllocHealthIDs bounds the allocations one SetAllocHealth names.
const maxAllocHealthIDs = 1000

// SetAllocHealth sets the deployment health of allocations of an active
// deployment by hand: the way groups with health_check = "manual" become
// healthy, and an operator's override of what a client decided. Every ID
// must be an allocation of the deployment, and none may be in both
// lists; the request is refused whole otherwise. The deployment watcher
// moves the deployment on from the new health as it does from a
// client's: the next batch, promotion, or failure (and auto_revert).
func (d *Deployment) SetAllocHealth(args *structs.DeploymentAllocHealthRequest, reply *structs.DeploymentUpdateResponse) error {
	if done, err := d.srv.forward("Deployment.SetAllocHealth", args, args, reply); done {
		return err
	}
	dep, err := d.activeDeployment(args.DeploymentID)
	if err != nil {
		return err
	}
	n := len(args.HealthyAllocationIDs) + len(args.UnhealthyAllocationIDs)
	switch {
	case n == 0:
		return invalid("HealthyAllocationIDs", "name at least one allocation, healthy or unhealthy")
	case n > maxAllocHealthIDs:
		return invalid("HealthyAllocationIDs", "%d allocations named; at most %d at once", n, maxAllocHealthIDs)
	}
	healthy := map[string]bool{}
	for _, id := range args.HealthyAllocationIDs {
		healthy[id] = true
	}
	st := d.srv.State()
	for _, list := range []struct {
		path string
		ids  []string
	}{{"HealthyAllocationIDs", args.HealthyAllocationIDs}, {"UnhealthyAllocationIDs", args.UnhealthyAllocationIDs}} {
		for i, id := range list.ids {
			path := fmt.Sprintf("%s[%d]", list.path, i)
			if list.path == "UnhealthyAllocationIDs" && healthy[id] {
				return invalid(path, "allocation %q is named both healthy and unhealthy", id)
			}
			a, err := st.AllocByID(nil, id)
			if err != nil {
				return err
			}
			if a == nil {
				return invalid(path, "no allocation %q; give full allocation IDs", id)
			}
			if a.DeploymentID != dep.ID {
				return invalid(path, "allocation %q is not part of deployment %q", id, dep.ID)
			}
		}
	}
	req := *args
	req.Timestamp = d.srv.clock().Now().UTC()
	_, index, err := d.srv.raftApply(structs.DeploymentAllocHealthRequestType, &req)
	if err != nil {
		return fmt.Errorf("set allocation health of deployment %s: %w", dep.ID, err)
	}
	reply.DeploymentModifyIndex = index
	reply.Index = index
	d.logger.Info("allocation health set", "deployment_id", dep.ID,
		"healthy", len(args.HealthyAllocationIDs), "unhealthy", len(args.UnhealthyAllocationIDs))
	return nil
}
