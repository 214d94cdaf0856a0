package nomadish

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Plan is a dry run of registering a job: it canonicalizes and validates
// the job, diffs it against the registered version and previews what
// would happen to each group's allocations. Nothing is written.
// JobModifyIndex is the registered job's (0 when there is none), for
// `job run -check-index`.
func (j *Job) Plan(args *structs.JobPlanRequest, reply *structs.JobPlanResponse) error {
	if done, err := j.srv.forward("Job.Plan", args, args, reply); done {
		return err
	}
	if args.Job == nil {
		return invalid("Job", "missing; the request body must be {\"Job\": {...}}")
	}
	limits := j.srv.config.jobLimits()
	// Bounded before the deep copy, which a too deeply nested Config
	// would make fail.
	if err := args.Job.ValidateBounds(limits); err != nil {
		return err
	}
	job := args.Job.Copy()
	if job.Namespace == "" {
		job.Namespace = args.RequestNamespace()
	}
	if job.Region == "" {
		job.Region = j.srv.Region()
	}
	if err := checkJobNamespace(job.Namespace); err != nil {
		return err
	}
	job.Canonicalize()
	if err := job.ValidateWith(limits); err != nil {
		return err
	}
	if job.Region != j.srv.Region() {
		return invalid("Region", "%q does not match region %q the job was sent to; send it with ?region=%s", job.Region, j.srv.Region(), job.Region)
	}

	st := j.srv.State()
	index, err := st.LatestIndex()
	if err != nil {
		return err
	}
	existing, err := st.JobByID(nil, job.Namespace, job.ID)
	if err != nil {
		return err
	}
	if existing != nil {
		reply.JobModifyIndex = existing.JobModifyIndex
	}
	diff, err := existing.Diff(job, true)
	if err != nil {
		return fmt.Errorf("plan job %q: %w", job.ID, err)
	}
	j.srv.planPreview(existing, job, diff, reply)
	if w := job.Warnings(); w != "" {
		reply.Warnings = strings.TrimLeft(reply.Warnings+"\n"+w, "\n")
	}
	annotateGroupUpdates(diff, reply.Annotations)
	if args.Diff {
		reply.Diff = diff
	}
	if job.IsPeriodic() {
		next, err := job.Periodic.Next(j.srv.clock().Now())
		if err != nil {
			return invalid("Periodic", "%v", err)
		}
		reply.NextPeriodicLaunch = next
	}
	reply.Index = index
	return nil
}

// planPreview says what registering job would do: a run of the job
// type's scheduler over a private state snapshot holding the job
// (planDryRun) fills the per-group annotations, the groups that could not
// be placed and why (FailedTGAllocs), and the evaluations the scheduler
// would create (a blocked one when placements failed). Should the
// scheduler fail, countPreview stands in and Warnings says so.
func (s *Server) planPreview(old, job *structs.Job, diff *structs.JobDiff, reply *structs.JobPlanResponse) {
	reply.CreatedEvals = []*structs.Evaluation{}
	run, err := s.planDryRun(job)
	if err != nil {
		s.logger.Warn("dry run of the scheduler failed; previewing by counts", "job_id", job.ID, "error", err)
		reply.Annotations = countPreview(old, job, diff)
		reply.Warnings = fmt.Sprintf("The scheduler could not dry-run this job (%v); the preview compares counts instead of placing allocations.", err)
		return
	}
	reply.Annotations = &structs.PlanAnnotations{DesiredTGUpdates: map[string]*structs.DesiredUpdates{}}
	if run.plan != nil && run.plan.Annotations != nil && run.plan.Annotations.DesiredTGUpdates != nil {
		reply.Annotations = run.plan.Annotations
	}
	if run.update != nil && len(run.update.FailedTGAllocs) > 0 {
		reply.FailedTGAllocs = run.update.FailedTGAllocs
	}
	reply.CreatedEvals = append(reply.CreatedEvals, run.created...)
}

// countPreview derives DesiredTGUpdates from counts and the kind of each
// group's change: new groups and added count are placed, removed groups
// and lost count stopped, and the allocations kept are updated
// destructively (or as canaries when the group's update block has them),
// in place, or ignored, following TaskGroupDiff.UpdateKind. A change to
// the job's own fields updates every kept allocation in place. A stopped
// job counts as not running.
func countPreview(old, job *structs.Job, diff *structs.JobDiff) *structs.PlanAnnotations {
	out := &structs.PlanAnnotations{DesiredTGUpdates: map[string]*structs.DesiredUpdates{}}
	live := old != nil && !old.Stop
	groupDiffs := map[string]*structs.TaskGroupDiff{}
	if diff != nil {
		for _, g := range diff.TaskGroups {
			groupDiffs[g.Name] = g
		}
	}
	for _, tg := range job.TaskGroups {
		du := &structs.DesiredUpdates{}
		out.DesiredTGUpdates[tg.Name] = du
		var prev *structs.TaskGroup
		if live {
			prev = old.LookupTaskGroup(tg.Name)
		}
		if prev == nil {
			du.Place = uint64(tg.Count)
			continue
		}
		kept := min(prev.Count, tg.Count)
		if tg.Count > prev.Count {
			du.Place = uint64(tg.Count - prev.Count)
		} else {
			du.Stop = uint64(prev.Count - tg.Count)
		}
		kind := groupDiffs[tg.Name].UpdateKind()
		if kind == "" && diff.JobFieldsChanged() {
			kind = structs.UpdateTypeInplaceUpdate
		}
		switch kind {
		case structs.UpdateTypeDestructiveUpdate:
			if tg.Update != nil && tg.Update.Canary > 0 {
				du.Canary = uint64(tg.Update.Canary)
				du.Ignore = uint64(kept)
			} else {
				du.DestructiveUpdate = uint64(kept)
			}
		case structs.UpdateTypeInplaceUpdate:
			du.InPlaceUpdate = uint64(kept)
		default:
			du.Ignore = uint64(kept)
		}
	}
	if live {
		for _, tg := range old.TaskGroups {
			if job.LookupTaskGroup(tg.Name) == nil {
				out.DesiredTGUpdates[tg.Name] = &structs.DesiredUpdates{Stop: uint64(tg.Count)}
			}
		}
	}
	return out
}

// annotateGroupUpdates copies the preview's counts into each group diff's
// Updates, keyed by update kind, as the CLI prints them.
func annotateGroupUpdates(diff *structs.JobDiff, ann *structs.PlanAnnotations) {
	if diff == nil || ann == nil {
		return
	}
	for _, g := range diff.TaskGroups {
		du := ann.DesiredTGUpdates[g.Name]
		if du == nil {
			continue
		}
		u := map[string]uint64{}
		for k, n := range map[string]uint64{
			structs.UpdateTypeIgnore:            du.Ignore,
			structs.UpdateTypeCreate:            du.Place,
			structs.UpdateTypeDestroy:           du.Stop,
			structs.UpdateTypeMigrate:           du.Migrate,
			structs.UpdateTypeCanary:            du.Canary,
			structs.UpdateTypeInplaceUpdate:     du.InPlaceUpdate,
			structs.UpdateTypeDestructiveUpdate: du.DestructiveUpdate,
		} {
			if n > 0 {
				u[k] = n
			}
		}
		if len(u) > 0 {
			g.Updates = u
		}
	}
}
