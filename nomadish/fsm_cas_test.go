package nomadish

import (
	"testing"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Two compare-and-set registrations of a new job with check-index 0 can
// both pass the endpoint's check before either is applied (the chaos
// suite found this with CHAOS_SEED=1: both were acknowledged). The FSM
// applies the check again, so the second entry changes nothing and its
// writer is told of the conflict.
func TestFSMJobRegisterEnforcesIndexAtApply(t *testing.T) {
	f := testFSM(t)
	first := fsmTestJob("web", 1)
	first.Meta = map[string]string{"w": "first"}
	applyMsg(t, f, 5, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: first, EnforceIndex: true, JobModifyIndex: 0})

	second := fsmTestJob("web", 2)
	second.Meta = map[string]string{"w": "second"}
	buf, err := structs.Encode(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: second, EnforceIndex: true, JobModifyIndex: 0})
	if err != nil {
		t.Fatal(err)
	}
	resp := f.Apply(&raft.Log{Index: 6, Term: 1, Type: raft.LogCommand, Data: buf})
	rerr, ok := resp.(error)
	if !ok || !structs.IsErrConflict(rerr) {
		t.Fatalf("second register with check-index 0 answered %v, want a conflict", resp)
	}
	job, err := f.State().JobByID(nil, first.Namespace, "web")
	if err != nil || job == nil {
		t.Fatalf("job web: %v, %v", job, err)
	}
	if job.Meta["w"] != "first" || job.JobModifyIndex != 5 {
		t.Fatalf("job web is %q at index %d, want the first write at index 5", job.Meta["w"], job.JobModifyIndex)
	}

	// The right index still applies.
	applyMsg(t, f, 7, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: second, EnforceIndex: true, JobModifyIndex: 5})
	if job, _ := f.State().JobByID(nil, first.Namespace, "web"); job.Meta["w"] != "second" || job.JobModifyIndex != 7 {
		t.Fatalf("job web is %q at index %d after a matching compare-and-set, want second at 7", job.Meta["w"], job.JobModifyIndex)
	}
}
