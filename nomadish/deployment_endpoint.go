package nomadish

import (
	"sort"

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
