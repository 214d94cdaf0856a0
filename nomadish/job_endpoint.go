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

// Job is the RPC endpoint for jobs.
type Job struct {
	srv    *Server
	logger hclog.Logger
}

// Register registers a new job or updates an existing one, creating the
// evaluation that schedules it, in one Raft entry.
func (j *Job) Register(args *structs.JobRegisterRequest, reply *structs.JobRegisterResponse) error {
	if done, err := j.srv.forward("Job.Register", args, args, reply); done {
		return err
	}
	if args.Job == nil {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Job", Message: "missing; the request body must be {\"Job\": {...}}"}}}
	}
	job := args.Job
	if job.Namespace == "" {
		job.Namespace = args.RequestNamespace()
	}
	if job.Region == "" {
		job.Region = j.srv.Region()
	}
	if err := checkJobNamespace(job.Namespace); err != nil {
		return err
	}
	// Bounded before Canonicalize fills defaults into every group.
	limits := j.srv.config.jobLimits()
	if err := job.ValidateBounds(limits); err != nil {
		return err
	}
	job.Canonicalize()
	if err := job.ValidateWith(limits); err != nil {
		return err
	}
	// A job that cannot run correctly without a feature nomadish lacks
	// is refused with the text its warning has everywhere else.
	if err := job.Refusals(); err != nil {
		return err
	}
	reply.Warnings = job.Warnings()
	if job.Multiregion != nil && len(job.Multiregion.Regions) > 0 && !args.MultiregionCopy {
		return j.registerMultiregion(args, reply)
	}
	if job.Region != j.srv.Region() {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "Region",
			Message: fmt.Sprintf("%q does not match region %q the job was sent to; send it with ?region=%s", job.Region, j.srv.Region(), job.Region)}}}
	}

	existing, err := j.srv.State().JobByID(nil, job.Namespace, job.ID)
	if err != nil {
		return err
	}
	if args.EnforceIndex {
		var current uint64
		if existing != nil {
			current = existing.JobModifyIndex
		}
		if current != args.JobModifyIndex {
			if existing == nil {
				return j.srv.confirmDefinite(fmt.Errorf("%w: enforcing job modify index %d: job %q does not exist; use 0 to register a new job", structs.ErrConflict, args.JobModifyIndex, job.ID))
			}
			return j.srv.confirmDefinite(fmt.Errorf("%w: enforcing job modify index %d: job %q exists with job modify index %d", structs.ErrConflict, args.JobModifyIndex, job.ID, current))
		}
	}
	if args.PreserveCounts && existing != nil {
		for _, tg := range job.TaskGroups {
			if old := existing.LookupTaskGroup(tg.Name); old != nil {
				tg.Count = old.Count
			}
		}
	}

	now := time.Now().UnixNano()
	job.SubmitTime = now
	job.Stop = false
	args.Eval = nil
	if !job.IsPeriodic() && !job.IsParameterized() {
		priority := job.Priority
		if args.EvalPriority > 0 {
			priority = args.EvalPriority
		}
		args.Eval = &structs.Evaluation{
			ID:          uuid.NewString(),
			Namespace:   job.Namespace,
			Priority:    priority,
			Type:        job.Type,
			TriggeredBy: structs.EvalTriggerJobRegister,
			JobID:       job.ID,
			Status:      structs.EvalStatusPending,
			CreateTime:  now,
			ModifyTime:  now,
		}
	}

	_, index, err := j.srv.raftApply(structs.JobRegisterRequestType, args)
	if err != nil {
		return fmt.Errorf("register job %q: %w", job.ID, err)
	}
	stored, err := j.srv.State().JobByID(nil, job.Namespace, job.ID)
	if err != nil {
		return err
	}
	// The job as stored may already carry a later write's index; only an
	// identical resubmission, which keeps the job's older index, answers
	// with what is stored.
	reply.JobModifyIndex = index
	if stored != nil && stored.JobModifyIndex < index {
		reply.JobModifyIndex = stored.JobModifyIndex
	}
	if args.Eval != nil {
		reply.EvalID = args.Eval.ID
		reply.EvalCreateIndex = index
	}
	reply.Index = index
	return nil
}

// Deregister stops a job, or removes it entirely with Purge.
func (j *Job) Deregister(args *structs.JobDeregisterRequest, reply *structs.JobDeregisterResponse) error {
	if done, err := j.srv.forward("Job.Deregister", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return &structs.ValidationError{Problems: []structs.FieldError{{Path: "JobID", Message: "required"}}}
	}
	ns := args.RequestNamespace()
	job, err := j.srv.State().JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if job == nil {
		return j.srv.confirmDefinite(fmt.Errorf("job %q in namespace %q: %w", args.JobID, ns, structs.ErrNotFound))
	}
	if args.Global && job.Multiregion != nil && len(job.Multiregion.Regions) > 0 {
		args.Namespace = ns
		return j.deregisterGlobal(args, job, reply)
	}
	now := time.Now().UnixNano()
	args.SubmitTime = now
	args.Eval = nil
	if !job.IsPeriodic() && !job.IsParameterized() {
		args.Eval = &structs.Evaluation{
			ID:          uuid.NewString(),
			Namespace:   ns,
			Priority:    job.Priority,
			Type:        job.Type,
			TriggeredBy: structs.EvalTriggerJobDeregister,
			JobID:       job.ID,
			Status:      structs.EvalStatusPending,
			CreateTime:  now,
			ModifyTime:  now,
		}
	}
	args.Namespace = ns
	_, index, err := j.srv.raftApply(structs.JobDeregisterRequestType, args)
	if err != nil {
		return fmt.Errorf("deregister job %q: %w", args.JobID, err)
	}
	reply.JobModifyIndex = index
	if args.Eval != nil {
		reply.EvalID = args.Eval.ID
		reply.EvalCreateIndex = index
	}
	reply.Index = index
	return nil
}

// GetJob returns one job, or a nil Job when it does not exist.
func (j *Job) GetJob(args *structs.JobSpecificRequest, reply *structs.SingleJobResponse) error {
	if done, err := j.srv.forward("Job.GetJob", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			job, err := st.JobByID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			reply.Job = job
			return setIndexFromObject(st, &reply.QueryMeta, "jobs", job != nil, func() uint64 { return job.ModifyIndex })
		},
	})
}

// List lists jobs, optionally by ID prefix; namespace "*" lists all.
func (j *Job) List(args *structs.JobListRequest, reply *structs.JobListResponse) error {
	if done, err := j.srv.forward("Job.List", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			var it memdb.ResultIterator
			var err error
			if args.Namespace == "*" {
				it, err = st.Jobs(ws)
			} else {
				it, err = st.JobsByIDPrefix(ws, args.RequestNamespace(), args.Prefix)
			}
			if err != nil {
				return err
			}
			jobs := []*structs.JobListStub{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				job := raw.(*structs.Job)
				if args.Namespace == "*" && !hasPrefix(job.ID, args.Prefix) {
					continue
				}
				summary, err := st.JobSummaryByID(ws, job.Namespace, job.ID)
				if err != nil {
					return err
				}
				jobs = append(jobs, job.Stub(summary))
			}
			reply.Jobs = jobs
			return setTableIndex(st, &reply.QueryMeta, "jobs", "job_summary")
		},
	})
}

// GetJobVersions returns a job's stored versions, newest first, and with
// Diffs the change each version made to the one before it.
func (j *Job) GetJobVersions(args *structs.JobVersionsRequest, reply *structs.JobVersionsResponse) error {
	if done, err := j.srv.forward("Job.GetJobVersions", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			versions, err := st.JobVersionsByID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			reply.Versions = versions
			reply.Diffs = nil
			if args.Diffs {
				// Diffs[i] is the change from Versions[i+1] to Versions[i].
				for i := 0; i+1 < len(versions); i++ {
					diff, err := versions[i+1].Diff(versions[i], false)
					if err != nil {
						return fmt.Errorf("diff versions %d and %d of job %q: %w", versions[i+1].Version, versions[i].Version, args.JobID, err)
					}
					reply.Diffs = append(reply.Diffs, diff)
				}
			}
			if len(versions) > 0 {
				reply.Index = versions[0].ModifyIndex
				return nil
			}
			return setTableIndex(st, &reply.QueryMeta, "job_version")
		},
	})
}

// Allocations lists a job's allocations.
func (j *Job) Allocations(args *structs.JobSpecificRequest, reply *structs.JobAllocationsResponse) error {
	if done, err := j.srv.forward("Job.Allocations", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			allocs, err := st.AllocsByJob(ws, args.RequestNamespace(), args.JobID, args.All)
			if err != nil {
				return err
			}
			reply.Allocations = allocStubs(allocs)
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}

// Evaluations lists a job's evaluations.
func (j *Job) Evaluations(args *structs.JobSpecificRequest, reply *structs.JobEvaluationsResponse) error {
	if done, err := j.srv.forward("Job.Evaluations", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			evals, err := st.EvalsByJob(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			sort.Slice(evals, func(a, b int) bool { return evals[a].CreateIndex > evals[b].CreateIndex })
			if evals == nil {
				evals = []*structs.Evaluation{}
			}
			reply.Evaluations = evals
			return setTableIndex(st, &reply.QueryMeta, "evals")
		},
	})
}

// Summary returns a job's allocation counts per task group.
func (j *Job) Summary(args *structs.JobSpecificRequest, reply *structs.JobSummaryResponse) error {
	if done, err := j.srv.forward("Job.Summary", args, args, reply); done {
		return err
	}
	return j.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			summary, err := st.JobSummaryByID(ws, args.RequestNamespace(), args.JobID)
			if err != nil {
				return err
			}
			reply.JobSummary = summary
			return setIndexFromObject(st, &reply.QueryMeta, "job_summary", summary != nil, func() uint64 { return summary.ModifyIndex })
		},
	})
}
