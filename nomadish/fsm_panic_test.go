package nomadish

import (
	"errors"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// An entry holding a job with a null task group (which validation refuses
// but an older server may have committed) fails with an error and changes
// nothing, instead of crashing every server each time the log is
// replayed. It used to do so by panicking inside applyRecovering; it is
// now refused before any write (fsm_entry_check.go), so no panic is
// recovered either.
func TestFSM_NullTaskGroupFailsTheEntryOnly(t *testing.T) {
	f := testFSM(t)
	bad := fsmTestJob("bad", 1)
	bad.TaskGroups = append(bad.TaskGroups, nil)
	buf, err := structs.Encode(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: bad})
	if err != nil {
		t.Fatal(err)
	}
	before := panics.Count()
	resp := f.Apply(&raft.Log{Index: 5, Term: 1, Type: raft.LogCommand, Data: buf})
	err, _ = resp.(error)
	if !errors.Is(err, errNullInEntry) {
		t.Fatalf("apply of a job with a null task group: %v, want errNullInEntry", resp)
	}
	if panics.Count() != before {
		t.Fatalf("recovered panics %d -> %d; want none", before, panics.Count())
	}
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "bad"); j != nil {
		t.Fatal("the refused entry stored its job")
	}
	applyMsg(t, f, 6, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("good", 1)})
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "good"); j == nil {
		t.Fatal("job after the refused entry not stored")
	}
}

// A hook that panics (a bug in the leader's bookkeeping, not in the
// entry) is recovered and counted; the entry stays applied and the next
// one applies as usual.
func TestFSM_PanickingHookIsRecovered(t *testing.T) {
	panics.Allow(t)
	f := testFSM(t)
	f.SetJobHook(func(ns, id string) {
		if id == "boom" {
			panic("hook bug")
		}
	})
	before := panics.Count()
	applyMsg(t, f, 5, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("boom", 1)})
	if panics.Count() != before+1 {
		t.Fatalf("recovered panics %d -> %d; want the hook's counted", before, panics.Count())
	}
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "boom"); j == nil {
		t.Fatal("the entry whose hook panicked was not kept")
	}
	applyMsg(t, f, 6, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("good", 1)})
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "good"); j == nil {
		t.Fatal("job after the panicking hook not stored")
	}
}
