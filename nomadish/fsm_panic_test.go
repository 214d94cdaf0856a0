package nomadish

import (
	"errors"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// An entry whose apply panics (here a job with a null task group, which
// validation refuses but an older server may have committed) fails with an
// error and changes nothing, instead of crashing every server each time the
// log is replayed.
func TestFSM_PanicFailsTheEntryOnly(t *testing.T) {
	panics.Allow(t)
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
	if !errors.Is(err, errFSMPanic) {
		t.Fatalf("apply of a panicking entry: %v, want errFSMPanic", resp)
	}
	if panics.Count() != before+1 {
		t.Fatalf("recovered panics %d -> %d; want it counted", before, panics.Count())
	}
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "bad"); j != nil {
		t.Fatal("the entry that panicked stored its job")
	}
	// The next entry applies as usual: the store's write lock was released.
	applyMsg(t, f, 6, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("good", 1)})
	if j, _ := f.State().JobByID(nil, structs.DefaultNamespace, "good"); j == nil {
		t.Fatal("job after the panic not stored")
	}
}
