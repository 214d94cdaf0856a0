package nomadish

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// fsmFuzzBaseIndex is the index of the last entry applyEveryType writes;
// the fuzzed entry is applied at the next one.
const fsmFuzzBaseIndex = 15

// fsmFuzzSeeds is one valid entry of every message type, each aimed at
// the objects applyEveryType leaves in the store (node n1, jobs web and
// batch, evaluations e1 to e3, allocation a1, deployment d1), so that the
// fuzzer starts from entries that change something rather than entries
// that miss.
func fsmFuzzSeeds(t testing.TB) [][]byte {
	ns := structs.DefaultNamespace
	eval := func(id string) *structs.Evaluation { return fsmTestEval(id, "web") }
	alloc := &structs.Allocation{ID: "a3", Namespace: ns, JobID: "web", TaskGroup: "web", NodeID: "n1", EvalID: "e2",
		Name: "web.web[2]", DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending}
	stopped := &structs.Allocation{ID: "a1", Namespace: ns, JobID: "web", TaskGroup: "web", NodeID: "n1", EvalID: "e2",
		Name: "web.web[0]", DesiredStatus: structs.AllocDesiredStatusStop, ClientStatus: structs.AllocClientStatusRunning}
	msgs := []struct {
		typ structs.MessageType
		msg interface{}
	}{
		{structs.NodeRegisterRequestType, &structs.NodeRegisterRequest{Node: testNode("n3")}},
		{structs.NodeDeregisterRequestType, &structs.NodeDeregisterRequest{NodeIDs: []string{"n1"}}},
		{structs.NodeUpdateStatusRequestType, &structs.NodeUpdateStatusRequest{NodeID: "n1", Status: structs.NodeStatusReady, UpdatedAt: 50,
			NodeEvent: &structs.NodeEvent{Message: "heartbeat", Subsystem: "Cluster"}}},
		{structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: fsmTestJob("api", 2), Eval: fsmTestEval("e5", "api")}},
		{structs.JobDeregisterRequestType, &structs.JobDeregisterRequest{JobID: "web", Eval: eval("e6"), SubmitTime: 7}},
		{structs.EvalUpdateRequestType, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{eval("e7"), nil}}},
		{structs.EvalDeleteRequestType, &structs.EvalDeleteRequest{Evals: []string{"e1"}, Allocs: []string{"a1"}}},
		{structs.AllocUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{alloc}, Job: fsmTestJob("web", 3), Evals: []*structs.Evaluation{eval("e8")}}},
		{structs.AllocClientUpdateRequestType, &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{{ID: "a1", ClientStatus: structs.AllocClientStatusFailed,
			TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateDead, Failed: true}}}}, Evals: []*structs.Evaluation{eval("e9")}}},
		{structs.DeploymentUpsertRequestType, &structs.DeploymentUpsertRequest{Deployment: &structs.Deployment{ID: "d2", Namespace: ns, JobID: "web",
			JobVersion: 1, Status: structs.DeploymentStatusRunning, TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3}}}}},
		{structs.NodeUpdateStatusEvalsRequestType, &structs.NodeUpdateStatusEvalsRequest{NodeID: "n1", Status: structs.NodeStatusDown, UpdatedAt: 60,
			NodeEvent: &structs.NodeEvent{Message: "missed heartbeat"}, Evals: []*structs.Evaluation{eval("e10")}}},
		{structs.NodeUpdateEligibilityRequestType, &structs.NodeUpdateEligibilityRequest{NodeID: "n1", Eligibility: structs.NodeSchedulingIneligible, UpdatedAt: 61,
			Evals: []*structs.Evaluation{eval("e11")}}},
		{structs.NodeUpdateDrainRequestType, &structs.NodeUpdateDrainRequest{NodeID: "n1", DrainStrategy: &structs.DrainStrategy{Deadline: 3600e9, StartedAt: 62},
			UpdatedAt: 62, NodeEvent: &structs.NodeEvent{Message: "drain"}, Evals: []*structs.Evaluation{eval("e12")}}},
		{structs.ApplyPlanResultsRequestType, &structs.ApplyPlanResultsRequest{Allocs: []*structs.Allocation{alloc}, Job: fsmTestJob("web", 3),
			AllocsStopped:     []*structs.Allocation{stopped},
			Deployment:        &structs.Deployment{ID: "d3", Namespace: ns, JobID: "web", JobVersion: 1, Status: structs.DeploymentStatusRunning, TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 3}}},
			DeploymentUpdates: []*structs.DeploymentStatusUpdate{{DeploymentID: "d1", Status: structs.DeploymentStatusCancelled, StatusDescription: "newer"}},
			EvalIDs:           []string{"e2"}}},
		{structs.AllocUpdateDesiredTransitionRequestType, &structs.AllocUpdateDesiredTransitionRequest{
			Allocs: map[string]*structs.DesiredTransition{"a1": {Migrate: true}, "nope": nil}, Evals: []*structs.Evaluation{eval("e13")}}},
		{structs.DeploymentProgressRequestType, &structs.DeploymentProgressRequest{
			Deployments: []*structs.DeploymentProgress{{DeploymentID: "d1", Status: structs.DeploymentStatusSuccessful, StatusDescription: "done",
				Groups: map[string]*structs.DeploymentGroupProgress{"web": {HealthyAllocs: 1}}, ModifyTime: 63}},
			StableJobs: []*structs.JobStabilityUpdate{{Namespace: ns, JobID: "web", JobVersion: 1, Stable: true}},
			Evals:      []*structs.Evaluation{eval("e14")}}},
		{structs.DeploymentAllocHealthRequestType, &structs.DeploymentAllocHealthRequest{DeploymentID: "d1",
			HealthyAllocationIDs: []string{"a1", "nope"}, UnhealthyAllocationIDs: []string{"a3"}, Timestamp: time.Unix(64, 0).UTC()}},
	}
	var out [][]byte
	for _, m := range msgs {
		buf, err := structs.Encode(m.typ, m.msg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf)
	}
	// An entry of a type this server does not know, marked skippable,
	// and one that is not.
	out = append(out, []byte{byte(structs.IgnoreUnknownTypeFlag | 100), 0x80}, []byte{100, 0x80})
	return out
}

// TestFSMFuzzSeedsApply checks that every seed of FuzzFSMApply is a
// valid entry that the FSM applies, so the fuzzer mutates entries that
// reach the state store's writes.
func TestFSMFuzzSeedsApply(t *testing.T) {
	seeds := fsmFuzzSeeds(t)
	for i, seed := range seeds[:len(seeds)-1] {
		f := testFSM(t)
		applyEveryType(t, f)
		resp := f.Apply(&raft.Log{Index: fsmFuzzBaseIndex + 1, Term: 1, Type: raft.LogCommand, Data: seed})
		if _, ok := resp.(*structs.PlanCommitOutcome); ok {
			// The base state's n1 is down: the plan's new placement there
			// is left out, its stop and deployment changes still apply.
			resp = nil
		}
		if resp != nil {
			t.Errorf("seed %d (%s): %v", i, structs.MessageType(seed[0]), resp)
		}
	}
	typed := map[structs.MessageType]bool{}
	for _, seed := range seeds {
		typed[structs.MessageType(seed[0])] = true
	}
	for typ := structs.NodeRegisterRequestType; typ <= structs.DeploymentProgressRequestType; typ++ {
		if !typed[typ] {
			t.Errorf("no seed of message type %s", typ)
		}
	}
}

// FuzzFSMApply gives arbitrary log entries (a message type byte and a
// msgpack body) to the FSM's Apply over a store that holds one object of
// every kind. A corrupt entry must not panic, not even one that
// applyRecovering would catch (panics.Count must not move: a recovered
// panic is still a bug, and a server that hits it fails the entry on
// every replay), and an entry that fails must leave the store exactly as
// it was. Whatever is applied must still snapshot and restore to the
// same state, or the server could never compact its log again.
//
//	go test -run '^$' -fuzz '^FuzzFSMApply$' -fuzztime 30s ./nomadish
func FuzzFSMApply(f *testing.F) {
	for _, seed := range fsmFuzzSeeds(f) {
		f.Add(seed)
	}
	// The store every entry is applied to is a copy of one base store
	// (a memdb snapshot is an independent, writable copy), built on the
	// first call: building it anew for every input is most of the cost.
	var base *FSM
	var baseDump map[string][]string
	f.Fuzz(func(t *testing.T, entry []byte) {
		if base == nil {
			base = testFSM(t)
			applyEveryType(t, base)
			baseDump = dumpState(t, base.State())
		}
		snap, err := base.State().Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		fsm := NewFSM(&snap.StateStore, nil)
		// Hooks as the leader sets them, so that their paths run too.
		var hooked int
		fsm.SetEvalHook(func(evals []*structs.Evaluation) { hooked += len(evals) })
		fsm.SetJobHook(func(namespace, jobID string) { hooked++ })
		fsm.SetNodeHook(func(index uint64, nodes []*structs.Node) { hooked += len(nodes) })
		fsm.SetAllocHook(func(index uint64, allocs []*structs.Allocation) { hooked += len(allocs) })

		before := baseDump
		panicsBefore := panics.Count()
		resp := fsm.Apply(&raft.Log{Index: fsmFuzzBaseIndex + 1, Term: 1, Type: raft.LogCommand, Data: entry})
		if n := panics.Count() - panicsBefore; n != 0 {
			t.Fatalf("applying a %s entry panicked (%d recovered): %v", entryType(entry), n, resp)
		}
		after := dumpState(t, fsm.State())
		if _, ok := resp.(*structs.PlanCommitOutcome); ok {
			resp = nil // a plan that committed without its placements on down nodes
		}
		if resp != nil {
			if _, ok := resp.(error); !ok {
				t.Fatalf("apply answered %T, want nil, an error or a plan's outcome", resp)
			}
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("a %s entry that failed (%v) changed the state", entryType(entry), resp)
			}
			return
		}

		fsnap, err := fsm.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		sink := &memSink{}
		if err := fsnap.Persist(sink); err != nil {
			t.Fatalf("after a %s entry the state does not snapshot: %v", entryType(entry), err)
		}
		restored := testFSM(t)
		if err := restored.Restore(ioNopCloser{bytes.NewReader(sink.Bytes())}); err != nil {
			t.Fatalf("after a %s entry the snapshot does not restore: %v", entryType(entry), err)
		}
		if got := dumpState(t, restored.State()); !reflect.DeepEqual(after, got) {
			t.Fatalf("after a %s entry the restored state differs from the applied one", entryType(entry))
		}
	})
}

func entryType(entry []byte) string {
	if len(entry) == 0 {
		return "empty"
	}
	return structs.MessageType(entry[0]).String()
}

// nilVariants returns copies of the msgpack value v with one element of an
// array or one value of a map replaced by nil, for every such place.
func nilVariants(v interface{}) []interface{} {
	var out []interface{}
	switch x := v.(type) {
	case []interface{}:
		for i, e := range x {
			if e == nil {
				continue
			}
			c := append([]interface{}(nil), x...)
			c[i] = nil
			out = append(out, c)
			for _, sub := range nilVariants(e) {
				c := append([]interface{}(nil), x...)
				c[i] = sub
				out = append(out, c)
			}
		}
	case map[string]interface{}:
		for k, e := range x {
			if e == nil {
				continue
			}
			with := func(val interface{}) map[string]interface{} {
				c := make(map[string]interface{}, len(x))
				for k2, v2 := range x {
					c[k2] = v2
				}
				c[k] = val
				return c
			}
			out = append(out, with(nil))
			for _, sub := range nilVariants(e) {
				out = append(out, with(sub))
			}
		}
	}
	return out
}

// TestFSMApply_NullAnywhere applies every seed of FuzzFSMApply with each
// of its values in turn replaced by null: a systematic run of the
// mutation that found most of FuzzFSMApply's crashers. None may panic.
func TestFSMApply_NullAnywhere(t *testing.T) {
	base := testFSM(t)
	applyEveryType(t, base)
	for _, seed := range fsmFuzzSeeds(t) {
		var v interface{}
		if err := structs.Decode(seed[1:], &v); err != nil {
			t.Fatal(err)
		}
		for _, variant := range nilVariants(v) {
			var buf []byte
			if err := codec.NewEncoderBytes(&buf, structs.MsgpackHandle).Encode(variant); err != nil {
				t.Fatal(err)
			}
			snap, err := base.State().Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			f := NewFSM(&snap.StateStore, nil)
			before := panics.Count()
			resp := f.Apply(&raft.Log{Index: fsmFuzzBaseIndex + 1, Term: 1, Type: raft.LogCommand, Data: append([]byte{seed[0]}, buf...)})
			if panics.Count() != before {
				t.Errorf("%s with a null: panicked: %v\n%v", entryType(seed), resp, variant)
			}
		}
	}
}
