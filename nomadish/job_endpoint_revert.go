package nomadish

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Revert registers a stored version's specification again, as a new
// version. Reverting to the current version is refused, and with
// EnforcePriorVersion the revert only goes ahead if the job is still at
// that version. The registration itself enforces the current
// JobModifyIndex, so a concurrent change makes it fail rather than be
// overwritten.
func (j *Job) Revert(args *structs.JobRevertRequest, reply *structs.JobRegisterResponse) error {
	if done, err := j.srv.forward("Job.Revert", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return invalid("JobID", "required")
	}
	ns := args.RequestNamespace()
	st := j.srv.State()
	cur, err := st.JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if cur == nil {
		return jobNotFound(ns, args.JobID)
	}
	if p := args.EnforcePriorVersion; p != nil && *p != cur.Version {
		return fmt.Errorf("%w: enforcing prior version %d: job %q is at version %d", structs.ErrConflict, *p, cur.ID, cur.Version)
	}
	if args.JobVersion == cur.Version {
		return invalid("JobVersion", "job %q is already at version %d; revert to an earlier version (job history lists them)", cur.ID, cur.Version)
	}
	target, err := st.JobByIDAndVersion(nil, ns, args.JobID, args.JobVersion)
	if err != nil {
		return err
	}
	if target == nil {
		versions, err := st.JobVersionsByID(nil, ns, args.JobID)
		if err != nil {
			return err
		}
		var known []string
		for _, v := range versions {
			known = append(known, strconv.FormatUint(v.Version, 10))
		}
		return fmt.Errorf("job %q version %d: %w; stored versions: %s", args.JobID, args.JobVersion, structs.ErrNotFound, strings.Join(known, ", "))
	}
	reg := &structs.JobRegisterRequest{
		Job:            target.Copy(),
		EnforceIndex:   true,
		JobModifyIndex: cur.JobModifyIndex,
		WriteRequest:   args.WriteRequest,
	}
	return j.Register(reg, reply)
}
