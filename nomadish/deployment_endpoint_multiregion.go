package nomadish

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// MultiregionStatus answers, for the leaders of other regions, how this
// region's newest deployment of one rollout of a multiregion job stands:
// Status is "" while this region has no deployment of it (the job not
// registered here yet, replaced by another submission, or its deployment
// not yet created).
func (d *Deployment) MultiregionStatus(args *structs.MultiregionStatusRequest, reply *structs.MultiregionStatusResponse) error {
	if done, err := d.srv.forward("Deployment.MultiregionStatus", args, args, reply); done {
		return err
	}
	return d.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			reply.Status, reply.StatusDescription, reply.DeploymentID, reply.JobVersion = "", "", "", 0
			job, err := st.JobByID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			if job != nil && job.MultiregionRollout == args.Rollout {
				deps, err := st.DeploymentsByJobID(ws, job.Namespace, job.ID)
				if err != nil {
					return err
				}
				var newest *structs.Deployment
				for _, dep := range deps {
					if dep.JobVersion == job.Version && dep.JobCreateIndex == job.CreateIndex && (newest == nil || dep.CreateIndex > newest.CreateIndex) {
						newest = dep
					}
				}
				if newest != nil {
					reply.Status, reply.StatusDescription, reply.DeploymentID, reply.JobVersion = newest.Status, newest.StatusDescription, newest.ID, newest.JobVersion
				}
			}
			return setTableIndex(st, &reply.QueryMeta, "deployments")
		},
	})
}

// Unblock marks a blocked multiregion deployment successful without
// waiting for the other regions (`deployment unblock`): what an operator
// does once a region that failed with on_failure = "fail_local" has been
// dealt with.
func (d *Deployment) Unblock(args *structs.DeploymentFailRequest, reply *structs.DeploymentUpdateResponse) error {
	if done, err := d.srv.forward("Deployment.Unblock", args, args, reply); done {
		return err
	}
	dep, err := d.activeDeployment(args.DeploymentID)
	if err != nil {
		return err
	}
	if dep.Status != structs.DeploymentStatusBlocked {
		return invalid("DeploymentID", "deployment %q is %s; only a blocked deployment (a multiregion deployment complete in its region) can be unblocked", dep.ID, dep.Status)
	}
	now := d.srv.clock().Now()
	req := &structs.DeploymentProgressRequest{
		Deployments: []*structs.DeploymentProgress{{DeploymentID: dep.ID, Status: structs.DeploymentStatusSuccessful,
			StatusDescription: structs.DeploymentDescMultiregionUnblocked, ModifyTime: now.UnixNano()}},
		StableJobs: []*structs.JobStabilityUpdate{{Namespace: dep.Namespace, JobID: dep.JobID, JobVersion: dep.JobVersion, Stable: true}},
	}
	_, index, err := d.srv.raftApply(structs.DeploymentProgressRequestType, req)
	if err != nil {
		return fmt.Errorf("unblock deployment %s: %w", dep.ID, err)
	}
	reply.DeploymentModifyIndex, reply.Index = index, index
	d.logger.Info("deployment unblocked", "deployment_id", dep.ID)
	return nil
}
