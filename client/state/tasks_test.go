package state

import (
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestTaskStateRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	if st, err := db.GetTaskState("a1", "server"); st != nil || err != nil {
		t.Fatalf("absent: %v %v", st, err)
	}
	started := time.Unix(1700000000, 123).UTC()
	want := &structs.TaskState{
		State:     structs.TaskStateRunning,
		Restarts:  2,
		StartedAt: started,
		Events: []*structs.TaskEvent{
			{Type: "Started", Time: started.UnixNano(), Message: "hi", Details: map[string]string{"k": "v"}},
		},
	}
	if err := db.PutTaskState("a1", "server", want); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetTaskState("a1", "server")
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartedAt.Equal(started) {
		t.Fatalf("StartedAt %v, want %v", got.StartedAt, started)
	}
	got.StartedAt, want.StartedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	// Another task of the same allocation is separate.
	if st, err := db.GetTaskState("a1", "other"); st != nil || err != nil {
		t.Fatalf("other task: %v %v", st, err)
	}
}

func TestLocalTaskStateRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	if ls, err := db.GetLocalTaskState("a1", "server"); ls != nil || err != nil {
		t.Fatalf("absent: %v %v", ls, err)
	}
	want := &LocalTaskState{
		Handle: &plugin.TaskHandle{
			Version: 1,
			Config: &plugin.TaskConfig{
				ID: "a1/server/1", Name: "server", AllocID: "a1",
				Env:          map[string]string{"NOMAD_TASK_NAME": "server"},
				Resources:    plugin.Resources{CPUMHz: 100, MemoryMB: 64},
				DriverConfig: []byte(`{"run_for":"1s"}`),
				TaskDir:      plugin.TaskDir{Dir: "/d/a1/server"},
			},
			State:       plugin.TaskStateRunning,
			DriverState: []byte{0, 1, 2, 0xff},
		},
		Hooks: map[string][]byte{"logmon": []byte(`{"PID":12}`), "artifacts": []byte("done")},
	}
	if err := db.PutLocalTaskState("a1", "server", want); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetLocalTaskState("a1", "server")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestTaskEntriesNeedNames(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.PutTaskState("", "t", &structs.TaskState{}); err == nil {
		t.Error("no error without alloc ID")
	}
	if err := db.PutTaskState("a", "", &structs.TaskState{}); err == nil {
		t.Error("no error without task name")
	}
}

func TestCorruptTaskStateIsAnError(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.PutTaskState("a1", "server", &structs.TaskState{}); err != nil {
		t.Fatal(err)
	}
	if err := db.bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(allocsBucket).Bucket([]byte("a1")).Bucket(tasksBucket).Bucket([]byte("server")).Put(taskStateKey, []byte{0xc1})
	}); err != nil {
		t.Fatal(err)
	}
	st, err := db.GetTaskState("a1", "server")
	if st != nil || !errors.Is(err, ErrCorruptEntry) {
		t.Fatalf("got %v %v, want ErrCorruptEntry", st, err)
	}
}
