package nomadish

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// PeriodicForce launches a child of a periodic job now, outside its
// schedule, by the same path the periodic dispatcher uses. The overlap
// rule does not apply: a forced launch is an explicit request.
func (j *Job) PeriodicForce(args *structs.PeriodicForceRequest, reply *structs.PeriodicForceResponse) error {
	if done, err := j.srv.forward("Job.PeriodicForce", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return invalid("JobID", "required")
	}
	ns := args.RequestNamespace()
	job, err := j.srv.State().JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if job == nil {
		return jobNotFound(ns, args.JobID)
	}
	if !job.IsPeriodic() {
		return invalid("JobID", "job %q is not periodic; only jobs with an enabled periodic block can be forced (use job eval for others)", job.ID)
	}
	if job.Stop {
		return invalid("JobID", "job %q is stopped; run it again before forcing a launch", job.ID)
	}
	eval, index, err := j.srv.launchPeriodicChild(job, j.srv.clock().Now())
	if err != nil {
		return err
	}
	reply.EvalID = eval.ID
	reply.EvalCreateIndex = index
	reply.Index = index
	return nil
}

// periodicChildID is the ID of the child launched at t.
func periodicChildID(parentID string, t time.Time) string {
	return parentID + structs.PeriodicLaunchSuffix + strconv.FormatInt(t.Unix(), 10)
}

// launchPeriodicChild registers the child of a periodic job for launch
// time at, with its evaluation, in one Raft entry.
func (s *Server) launchPeriodicChild(parent *structs.Job, at time.Time) (*structs.Evaluation, uint64, error) {
	child := deriveChild(parent, periodicChildID(parent.ID, at), s.clock().Now())
	child.Periodic = nil
	eval := newJobEval(child, structs.EvalTriggerPeriodicJob, child.SubmitTime)
	req := &structs.JobRegisterRequest{Job: child, Eval: eval}
	req.Region = s.Region()
	req.Namespace = parent.Namespace
	_, index, err := s.raftApply(structs.JobRegisterRequestType, req)
	if err != nil {
		return nil, 0, fmt.Errorf("launch periodic job %q: %w", parent.ID, err)
	}
	return eval, index, nil
}

// runningPeriodicChild returns the ID of a child of parent that has not
// finished, or "".
func runningPeriodicChild(st *state.StateStore, parent *structs.Job) (string, error) {
	it, err := st.JobsByIDPrefix(nil, parent.Namespace, parent.ID+structs.PeriodicLaunchSuffix)
	if err != nil {
		return "", err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		child := raw.(*structs.Job)
		if child.ParentID == parent.ID && !child.Stop && child.Status != structs.JobStatusDead {
			return child.ID, nil
		}
	}
	return "", nil
}
