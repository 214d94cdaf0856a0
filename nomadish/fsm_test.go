package nomadish

import (
	"bytes"
	"fmt"
	"testing"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testFSM(t *testing.T) *FSM {
	t.Helper()
	st, err := state.NewStateStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewFSM(st, nil)
}

// applyMsg encodes msg as a Raft entry at index and applies it.
func applyMsg(t *testing.T, f *FSM, index uint64, typ structs.MessageType, msg interface{}) {
	t.Helper()
	buf, err := structs.Encode(typ, msg)
	if err != nil {
		t.Fatal(err)
	}
	if resp := f.Apply(&raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: buf}); resp != nil {
		t.Fatalf("apply %s at %d: %v", typ, index, resp)
	}
}

func fsmTestJob(id string, count int) *structs.Job {
	j := &structs.Job{
		ID:          id,
		Type:        structs.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{
			Name:  "web",
			Count: count,
			Tasks: []*structs.Task{{Name: "app", Driver: "mock", Config: map[string]interface{}{"run_for": "10s"}}},
		}},
	}
	j.Canonicalize()
	return j
}

func fsmTestEval(id, jobID string) *structs.Evaluation {
	return &structs.Evaluation{ID: id, Namespace: structs.DefaultNamespace, JobID: jobID, Priority: 50,
		Type: structs.JobTypeService, TriggeredBy: structs.EvalTriggerJobRegister, Status: structs.EvalStatusPending}
}

// applyEveryType writes one or more entries of every message type and
// checks each took effect.
func applyEveryType(t *testing.T, f *FSM) {
	t.Helper()
	ns := structs.DefaultNamespace
	st := func() *state.StateStore { return f.State() }

	applyMsg(t, f, 1, structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n1")})
	applyMsg(t, f, 2, structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n2")})
	applyMsg(t, f, 3, structs.NodeUpdateStatusRequestType, &structs.NodeUpdateStatusRequest{NodeID: "n1", Status: structs.NodeStatusDown, UpdatedAt: 42,
		NodeEvent: &structs.NodeEvent{Message: "missed heartbeat", Subsystem: "Cluster"}})
	applyMsg(t, f, 4, structs.NodeDeregisterRequestType, &structs.NodeDeregisterRequest{NodeIDs: []string{"n2"}})
	if n, _ := st().NodeByID(nil, "n1"); n == nil || n.Status != structs.NodeStatusDown {
		t.Fatalf("node n1 after status update: %+v", n)
	}
	if n, _ := st().NodeByID(nil, "n2"); n != nil {
		t.Fatalf("node n2 not deregistered")
	}

	applyMsg(t, f, 5, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("web", 2), Eval: fsmTestEval("e1", "web")})
	applyMsg(t, f, 6, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("batch", 1)})
	applyMsg(t, f, 7, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("web", 3), Eval: fsmTestEval("e2", "web")})
	applyMsg(t, f, 8, structs.JobDeregisterRequestType, &structs.JobDeregisterRequest{JobID: "batch", Eval: fsmTestEval("e3", "batch")})
	applyMsg(t, f, 9, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("gone", 1)})
	applyMsg(t, f, 10, structs.JobDeregisterRequestType, &structs.JobDeregisterRequest{JobID: "gone", Purge: true})
	if j, _ := st().JobByID(nil, ns, "web"); j == nil || j.TaskGroups[0].Count != 3 {
		t.Fatalf("job web after update: %+v", j)
	}
	if vs, _ := st().JobVersionsByID(nil, ns, "web"); len(vs) != 2 {
		t.Fatalf("job web versions = %d, want 2", len(vs))
	}
	if j, _ := st().JobByID(nil, ns, "batch"); j == nil || !j.Stop {
		t.Fatalf("job batch not stopped: %+v", j)
	}
	if j, _ := st().JobByID(nil, ns, "gone"); j != nil {
		t.Fatalf("job gone not purged")
	}
	for _, id := range []string{"e1", "e2", "e3"} {
		if e, _ := st().EvalByID(nil, id); e == nil {
			t.Fatalf("eval %s missing", id)
		}
	}

	applyMsg(t, f, 11, structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{fsmTestEval("e4", "web")}})
	job, _ := st().JobByID(nil, ns, "web")
	allocs := []*structs.Allocation{
		{ID: "a1", Namespace: ns, JobID: "web", TaskGroup: "web", NodeID: "n1", EvalID: "e2", Name: "web.web[0]", DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending},
		{ID: "a2", Namespace: ns, JobID: "web", TaskGroup: "web", NodeID: "n1", EvalID: "e2", Name: "web.web[1]", DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending},
	}
	e2 := fsmTestEval("e2", "web")
	e2.Status = structs.EvalStatusComplete
	applyMsg(t, f, 12, structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: allocs, Job: job, Evals: []*structs.Evaluation{e2}})
	if a, _ := st().AllocByID(nil, "a1"); a == nil || a.Job == nil {
		t.Fatalf("alloc a1 missing or without job: %+v", a)
	}
	if e, _ := st().EvalByID(nil, "e2"); e.Status != structs.EvalStatusComplete {
		t.Fatalf("eval e2 status %q", e.Status)
	}
	applyMsg(t, f, 13, structs.AllocClientUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{
		{ID: "a1", ClientStatus: structs.AllocClientStatusRunning, TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning}}},
	}})
	if a, _ := st().AllocByID(nil, "a1"); a.ClientStatus != structs.AllocClientStatusRunning {
		t.Fatalf("alloc a1 client status %q", a.ClientStatus)
	}
	applyMsg(t, f, 14, structs.DeploymentUpsertRequestType, &structs.DeploymentUpsertRequest{Deployment: &structs.Deployment{
		ID: "d1", Namespace: ns, JobID: "web", JobVersion: 1, Status: structs.DeploymentStatusRunning,
		TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3}},
	}})
	if d, _ := st().DeploymentByID(nil, "d1"); d == nil {
		t.Fatal("deployment d1 missing")
	}
	applyMsg(t, f, 15, structs.EvalDeleteRequestType, &structs.EvalDeleteRequest{Evals: []string{"e4"}, Allocs: []string{"a2"}})
	if e, _ := st().EvalByID(nil, "e4"); e != nil {
		t.Fatal("eval e4 not deleted")
	}
	if a, _ := st().AllocByID(nil, "a2"); a != nil {
		t.Fatal("alloc a2 not deleted")
	}
}

// dumpState encodes every table canonically, so two stores compare equal
// when they hold the same objects.
func dumpState(t *testing.T, st *state.StateStore) map[string][]string {
	t.Helper()
	h := &codec.MsgpackHandle{}
	h.RawToString = true
	h.Canonical = true
	out := map[string][]string{}
	iters := map[string]func(memdb.WatchSet) (memdb.ResultIterator, error){
		"jobs": st.Jobs, "job_versions": st.JobVersions, "job_summaries": st.JobSummaries, "nodes": st.Nodes,
		"allocs": st.Allocs, "evals": st.Evals, "deployments": st.Deployments,
		"indexes": func(memdb.WatchSet) (memdb.ResultIterator, error) { return st.Indexes() },
	}
	for name, fn := range iters {
		it, err := fn(nil)
		if err != nil {
			t.Fatal(err)
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			var buf []byte
			if err := codec.NewEncoderBytes(&buf, h).Encode(raw); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], string(buf))
		}
	}
	return out
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }
func (s *memSink) Close() error  { return nil }

func TestFSM_ApplySnapshotRestoreRoundTrip(t *testing.T) {
	f := testFSM(t)
	applyEveryType(t, f)
	before := dumpState(t, f.State())
	for _, table := range []string{"jobs", "job_versions", "job_summaries", "nodes", "allocs", "evals", "deployments", "indexes"} {
		if len(before[table]) == 0 {
			t.Fatalf("table %s empty before snapshot; the test should fill every table", table)
		}
	}

	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Writes after the snapshot must not leak into it.
	applyMsg(t, f, 16, structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("late")})
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	restored := testFSM(t)
	old := restored.State()
	if err := restored.Restore(ioNopCloser{bytes.NewReader(sink.Bytes())}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.AbandonCh():
	default:
		t.Fatal("restore did not abandon the old store")
	}
	after := dumpState(t, restored.State())
	for table, objs := range before {
		if got := after[table]; fmt.Sprint(got) != fmt.Sprint(objs) {
			t.Errorf("table %s differs after restore: %d objects before, %d after", table, len(objs), len(got))
		}
	}
	if len(after) != len(before) {
		t.Errorf("tables after restore = %d, want %d", len(after), len(before))
	}
	if n, _ := restored.State().NodeByID(nil, "late"); n != nil {
		t.Error("write after the snapshot appeared in it")
	}
	if idx, _ := restored.State().LatestIndex(); idx != 15 {
		t.Errorf("latest index after restore = %d, want 15", idx)
	}
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

func TestFSM_UnknownTypes(t *testing.T) {
	f := testFSM(t)
	unknown := structs.MessageType(99)
	buf, _ := structs.Encode(unknown|structs.IgnoreUnknownTypeFlag, struct{}{})
	if resp := f.Apply(&raft.Log{Index: 1, Data: buf}); resp != nil {
		t.Fatalf("ignorable unknown type: got %v, want nil", resp)
	}
	buf, _ = structs.Encode(unknown, struct{}{})
	resp := f.Apply(&raft.Log{Index: 2, Data: buf})
	if err, ok := resp.(error); !ok || err == nil {
		t.Fatalf("unknown type: got %v, want an error", resp)
	}
	if resp := f.Apply(&raft.Log{Index: 3, Data: []byte{byte(structs.NodeRegisterRequestType), 0xc1}}); resp == nil {
		t.Fatal("garbage entry: want an error")
	}
	if resp := f.Apply(&raft.Log{Index: 4}); resp == nil {
		t.Fatal("empty entry: want an error")
	}
}

func TestFSM_RestoreRejectsNewerVersion(t *testing.T) {
	var buf []byte
	enc := codec.NewEncoderBytes(&buf, structs.MsgpackHandle)
	enc.Encode(&snapshotHeader{Version: snapshotVersion + 1})
	err := testFSM(t).Restore(ioNopCloser{bytes.NewReader(buf)})
	if err == nil {
		t.Fatal("want an error for a newer snapshot version")
	}
}

func TestFSM_EvalHook(t *testing.T) {
	f := testFSM(t)
	var got []string
	f.SetEvalHook(func(evals []*structs.Evaluation) {
		for _, e := range evals {
			got = append(got, e.ID)
		}
	})
	applyMsg(t, f, 1, structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("web", 1), Eval: fsmTestEval("e1", "web")})
	applyMsg(t, f, 2, structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{fsmTestEval("e2", "web")}})
	if fmt.Sprint(got) != "[e1 e2]" {
		t.Fatalf("hook saw %v", got)
	}
}
