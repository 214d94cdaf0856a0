package nomadish

import (
	"fmt"
	"sort"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Scale sets the count of one task group and creates the evaluation that
// acts on it, in one Raft entry; the job gets a new version. The changed
// job is validated as a whole, so a system job's group stays at 0 or 1.
func (j *Job) Scale(args *structs.JobScaleRequest, reply *structs.JobRegisterResponse) error {
	if done, err := j.srv.forward("Job.Scale", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return invalid("JobID", "required")
	}
	group := args.Target[structs.ScalingTargetGroup]
	if group == "" {
		return invalid("Target.Group", "required: the name of the task group to scale, as {\"Target\": {\"Group\": \"web\"}}")
	}
	ns := args.RequestNamespace()
	job, err := j.srv.State().JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if job == nil {
		return jobNotFound(ns, args.JobID)
	}
	switch {
	case job.IsPeriodic():
		return invalid("JobID", "job %q is periodic; change the count in the job file and run it again", job.ID)
	case job.IsParameterized():
		return invalid("JobID", "job %q is parameterized; change the count in the job file and run it again", job.ID)
	case job.Stop:
		return invalid("JobID", "job %q is stopped; run it again (job run, or job revert) before scaling it", job.ID)
	}
	if job.LookupTaskGroup(group) == nil {
		return invalid("Target.Group", "job %q has no task group %q; its groups: %s", job.ID, group, groupNames(job))
	}
	if args.Count == nil {
		return invalid("Count", "required: the new count of group %q (scaling events without a count are not recorded yet)", group)
	}
	if *args.Count < 0 {
		return invalid("Count", "must be 0 or more, got %d", *args.Count)
	}
	limits := j.srv.config.jobLimits()
	if *args.Count > int64(limits.MaxGroupCount) {
		return invalid("Count", "must be at most %d (the server's job_max_group_count), got %d", limits.MaxGroupCount, *args.Count)
	}

	// The group's scaling bounds hold whether or not its policy is
	// enabled (enabled is for autoscalers), as Nomad documents.
	if err := job.LookupTaskGroup(group).CheckScalingBounds(*args.Count); err != nil {
		return invalid("", "%s", err.Error())
	}
	scaled := job.Copy()
	scaled.LookupTaskGroup(group).Count = int(*args.Count)
	if err := scaled.ValidateWith(limits); err != nil {
		return err
	}
	now := j.srv.clock().Now().UnixNano()
	scaled.SubmitTime = now
	eval := newJobEval(scaled, structs.EvalTriggerScaling, now)
	req := &structs.JobRegisterRequest{Job: scaled, Eval: eval, WriteRequest: args.WriteRequest}
	_, index, err := j.srv.raftApply(structs.JobRegisterRequestType, req)
	if err != nil {
		return fmt.Errorf("scale job %q group %q: %w", job.ID, group, err)
	}
	reply.JobModifyIndex = index
	if stored, err := j.srv.State().JobByID(nil, ns, job.ID); err == nil && stored != nil {
		reply.JobModifyIndex = stored.JobModifyIndex
	}
	reply.EvalID = eval.ID
	reply.EvalCreateIndex = index
	reply.Index = index
	return nil
}

// ScaleStatus reports each group's desired count and its allocations:
// placed (wanted running), running, and healthy or unhealthy by their
// deployment status. JobScaleStatus is nil when the job does not exist.
func (j *Job) ScaleStatus(args *structs.JobSpecificRequest, reply *structs.JobScaleStatusResponse) error {
	if done, err := j.srv.forward("Job.ScaleStatus", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			ns := args.RequestNamespace()
			job, err := st.JobByID(ws, ns, args.JobID)
			if err != nil {
				return err
			}
			reply.JobScaleStatus = nil
			if job == nil {
				return setTableIndex(st, &reply.QueryMeta, "jobs")
			}
			allocs, err := st.AllocsByJob(ws, ns, job.ID, false)
			if err != nil {
				return err
			}
			reply.JobScaleStatus = scaleStatus(job, allocs)
			return setTableIndex(st, &reply.QueryMeta, "jobs", "allocs")
		},
	})
}

func scaleStatus(job *structs.Job, allocs []*structs.Allocation) *structs.JobScaleStatus {
	out := &structs.JobScaleStatus{
		JobID:          job.ID,
		Namespace:      job.Namespace,
		JobCreateIndex: job.CreateIndex,
		JobModifyIndex: job.JobModifyIndex,
		JobStopped:     job.Stop,
		TaskGroups:     map[string]*structs.TaskGroupScaleStatus{},
	}
	for _, tg := range job.TaskGroups {
		out.TaskGroups[tg.Name] = &structs.TaskGroupScaleStatus{Desired: tg.Count, Events: []*structs.ScalingEvent{}}
	}
	for _, a := range allocs {
		s := out.TaskGroups[a.TaskGroup]
		if s == nil || a.TerminalStatus() {
			continue
		}
		s.Placed++
		if a.ClientStatus == structs.AllocClientStatusRunning {
			s.Running++
		}
		if ds := a.DeploymentStatus; ds != nil && ds.Healthy != nil {
			if *ds.Healthy {
				s.Healthy++
			} else {
				s.Unhealthy++
			}
		}
	}
	return out
}

func groupNames(job *structs.Job) string {
	names := make([]string, 0, len(job.TaskGroups))
	for _, tg := range job.TaskGroups {
		names = append(names, fmt.Sprintf("%q", tg.Name))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
