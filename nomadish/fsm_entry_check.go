package nomadish

import (
	"errors"
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// errNullInEntry marks a Raft entry holding a null where the state store
// needs an object: no server writes one, so the entry is corrupt. It is
// refused whole, which is what servers did before these checks (its apply
// panicked and was recovered, changing nothing), so servers old and new
// still agree on the state it leaves.
var errNullInEntry = errors.New("corrupt entry")

// checkNoNull refuses a list of objects with a null in it.
func checkNoNull[T any](what string, list []*T) error {
	for i, x := range list {
		if x == nil {
			return fmt.Errorf("%w: %s[%d] is null", errNullInEntry, what, i)
		}
	}
	return nil
}

// checkEntryJob refuses a job with a null task group (nil is no job,
// which the callers check themselves where one is required).
func checkEntryJob(what string, job *structs.Job) error {
	if job == nil {
		return nil
	}
	return checkNoNull(what+".TaskGroups", job.TaskGroups)
}

// checkEntryAllocs refuses a list of allocations with a null in it, or
// with an allocation whose job has a null task group.
func checkEntryAllocs(what string, allocs []*structs.Allocation) error {
	if err := checkNoNull(what, allocs); err != nil {
		return err
	}
	for i, a := range allocs {
		if err := checkEntryJob(fmt.Sprintf("%s[%d].Job", what, i), a.Job); err != nil {
			return err
		}
	}
	return nil
}

// checkEntryPlanResults refuses plan results with a null allocation, job task
// group or deployment update.
func checkEntryPlanResults(req *structs.ApplyPlanResultsRequest) error {
	if err := checkEntryJob("Job", req.Job); err != nil {
		return err
	}
	for _, l := range []struct {
		what   string
		allocs []*structs.Allocation
	}{{"Allocs", req.Allocs}, {"AllocsStopped", req.AllocsStopped}, {"AllocsPreempted", req.AllocsPreempted}} {
		if err := checkEntryAllocs(l.what, l.allocs); err != nil {
			return err
		}
	}
	return checkNoNull("DeploymentUpdates", req.DeploymentUpdates)
}
