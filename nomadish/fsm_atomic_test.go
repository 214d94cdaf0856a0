package nomadish

import (
	"testing"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// An entry whose second write fails (here a job registration whose
// evaluation names no job, which the store refuses after writing the job)
// changes nothing and tells no hook, so that no server keeps half of a
// write its submitter was told had failed. FuzzFSMApply found it, with a
// client update of an allocation: testdata/fuzz/FuzzFSMApply/23f97cc9b577bef3.
func TestFSM_FailedEntryChangesNothing(t *testing.T) {
	f := testFSM(t)
	var hooked []string
	f.SetJobHook(func(ns, id string) { hooked = append(hooked, "job "+id) })
	f.SetEvalHook(func(evals []*structs.Evaluation) { hooked = append(hooked, "evals") })
	applyMsg(t, f, 1, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("web", 1), Eval: fsmTestEval("e1", "web")})
	if len(hooked) != 2 {
		t.Fatalf("hooks after a good entry: %v", hooked)
	}
	hooked = nil
	before := dumpState(t, f.State())

	bad := fsmTestEval("e2", "")
	buf, err := structs.Encode(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("api", 1), Eval: bad})
	if err != nil {
		t.Fatal(err)
	}
	if resp := f.Apply(&raft.Log{Index: 2, Term: 1, Type: raft.LogCommand, Data: buf}); resp == nil {
		t.Fatal("an evaluation without a job was stored")
	}
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "api"); j != nil {
		t.Fatal("the job of the failed entry was stored")
	}
	if len(hooked) != 0 {
		t.Fatalf("hooks told of a failed entry: %v", hooked)
	}
	if after := dumpState(t, f.State()); len(after["jobs"]) != len(before["jobs"]) || len(after["indexes"]) != len(before["indexes"]) {
		t.Fatalf("the failed entry changed the state:\nbefore %v\nafter  %v", before["indexes"], after["indexes"])
	}

	// The store is not left locked: the next entry applies.
	applyMsg(t, f, 3, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("api", 1)})
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "api"); j == nil {
		t.Fatal("job after the failed entry not stored")
	}
}
