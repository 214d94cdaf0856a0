package nomadish

import (
	"fmt"

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
	job := args.Job.Copy()
	if job.Namespace == "" {
		job.Namespace = args.RequestNamespace()
	}
	if job.Region == "" {
		job.Region = j.srv.Region()
	}
	job.Canonicalize()
	if err := job.Validate(); err != nil {
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
	reply.Annotations = j.srv.planPreview(existing, job, diff)
	annotateGroupUpdates(diff, reply.Annotations)
	if args.Diff {
		reply.Diff = diff
	}
	reply.CreatedEvals = []*structs.Evaluation{}
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

// planPreview says what registering job would do to each group's
// allocations. This is the hook for the scheduler: once it exists, the
// preview is a run of the real scheduler over a state snapshot with a
// planner that records instead of submitting, which also fills
// FailedTGAllocs. Until then countPreview compares counts and the diff.
func (s *Server) planPreview(old, job *structs.Job, diff *structs.JobDiff) *structs.PlanAnnotations {
	return countPreview(old, job, diff)
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
