package state

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func testAlloc(id string) *structs.Allocation {
	return &structs.Allocation{
		ID:        id,
		Namespace: "default",
		Name:      "web.api[0]",
		JobID:     "web",
		TaskGroup: "api",
		Job: &structs.Job{
			ID: "web", Name: "web", Type: structs.JobTypeService,
			TaskGroups: []*structs.TaskGroup{{Name: "api", Count: 1, Tasks: []*structs.Task{{Name: "server", Driver: "mock"}}}},
		},
		AllocatedResources: &structs.AllocatedResources{
			Tasks: map[string]*structs.AllocatedTaskResources{
				"server": {Cpu: structs.AllocatedCpuResources{CpuShares: 500}, Memory: structs.AllocatedMemoryResources{MemoryMB: 256}},
			},
			Shared: structs.AllocatedSharedResources{Ports: []structs.AllocatedPortMapping{{Label: "http", Value: 25000, To: 8080, HostIP: "10.0.0.1"}}},
		},
		DesiredStatus: structs.AllocDesiredStatusRun,
		ClientStatus:  structs.AllocClientStatusRunning,
		ModifyIndex:   42,
	}
}

func TestAllocationRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	want := []*structs.Allocation{testAlloc("a1"), testAlloc("a2")}
	for _, a := range want {
		if err := db.PutAllocation(a); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing keeps one entry.
	want[1].ModifyIndex = 43
	if err := db.PutAllocation(want[1]); err != nil {
		t.Fatal(err)
	}
	got, bad, err := db.GetAllocations()
	if err != nil || len(bad) != 0 {
		t.Fatalf("GetAllocations: %v %v", err, bad)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestPutAllocationNeedsID(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.PutAllocation(&structs.Allocation{}); err == nil {
		t.Fatal("no error for an allocation without ID")
	}
}

func TestDeleteAllocationRemovesTasks(t *testing.T) {
	db, _ := openTemp(t)
	a := testAlloc("a1")
	if err := db.PutAllocation(a); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTaskState("a1", "server", &structs.TaskState{State: structs.TaskStateRunning}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutLocalTaskState("a1", "server", &LocalTaskState{Hooks: map[string][]byte{"x": []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAllocation("a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAllocation("a1"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	allocs, bad, err := db.GetAllocations()
	if err != nil || len(allocs) != 0 || len(bad) != 0 {
		t.Fatalf("after delete: %v %v %v", allocs, bad, err)
	}
	if st, err := db.GetTaskState("a1", "server"); st != nil || err != nil {
		t.Fatalf("task state after delete: %v %v", st, err)
	}
	if ls, err := db.GetLocalTaskState("a1", "server"); ls != nil || err != nil {
		t.Fatalf("local state after delete: %v %v", ls, err)
	}
}

func TestCorruptAllocationReportedAlone(t *testing.T) {
	db, _ := openTemp(t)
	for _, id := range []string{"good1", "bad", "good2"} {
		if err := db.PutAllocation(testAlloc(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(allocsBucket).Bucket([]byte("bad")).Put(allocKey, []byte{0xc1, 0xff, 0x00})
	}); err != nil {
		t.Fatal(err)
	}
	// An allocation bucket with tasks but no allocation.
	if err := db.PutTaskState("orphan", "t", &structs.TaskState{}); err != nil {
		t.Fatal(err)
	}
	got, bad, err := db.GetAllocations()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "good1" && got[1].ID != "good1" {
		t.Fatalf("good allocations = %v", got)
	}
	if len(bad) != 2 {
		t.Fatalf("bad = %v, want bad and orphan", bad)
	}
	if !errors.Is(bad["bad"], ErrCorruptEntry) {
		t.Errorf("bad: %v, want ErrCorruptEntry", bad["bad"])
	}
	if !errors.Is(bad["orphan"], ErrNoAllocation) {
		t.Errorf("orphan: %v, want ErrNoAllocation", bad["orphan"])
	}
}

func TestReopenPersists(t *testing.T) {
	db, path := openTemp(t)
	if err := db.PutAllocation(testAlloc("a1")); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTaskState("a1", "server", &structs.TaskState{State: structs.TaskStateDead, Restarts: 3}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	got, bad, err := db2.GetAllocations()
	if err != nil || len(bad) != 0 || len(got) != 1 || !reflect.DeepEqual(got[0], testAlloc("a1")) {
		t.Fatalf("after reopen: %v %v %v", got, bad, err)
	}
	st, err := db2.GetTaskState("a1", "server")
	if err != nil || st == nil || st.Restarts != 3 || st.State != structs.TaskStateDead {
		t.Fatalf("task state after reopen: %+v %v", st, err)
	}
}
