package nomadish

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// nestedConfig is a task Config nested depth levels of maps deep, as
// structs.ValueDepth counts.
func nestedConfig(depth int) map[string]interface{} {
	var v interface{} = "bottom"
	for i := 1; i < depth; i++ {
		v = map[string]interface{}{"k": v}
	}
	return map[string]interface{}{"k": v}
}

// jobWithConfig is fsmTestJob("web", 2) whose task has cfg as its Config.
func jobWithConfig(cfg map[string]interface{}) *structs.Job {
	j := fsmTestJob("web", 2)
	j.TaskGroups[0].Tasks[0].Config = cfg
	return j
}

// acceptEntry is what a leader does with a message before Raft: the
// plan applier's encoding for plan results, raftApply's for the rest.
func acceptEntry(t structs.MessageType, msg interface{}) ([]byte, error) {
	if t == structs.ApplyPlanResultsRequestType {
		return encodePlanResults(msg.(*structs.ApplyPlanResultsRequest))
	}
	return encodeEntry(t, msg)
}

// entryCase builds a representative request of one message type. cfg is
// the task Config to put in every job the request carries; types that
// carry no job ignore it.
type entryCase struct {
	typ        structs.MessageType
	carriesJob bool
	msg        func(cfg map[string]interface{}) interface{}
}

// entryCases are applied in order, so that each finds what it refers to.
func entryCases() []entryCase {
	ns := structs.DefaultNamespace
	alloc := func(id, node string, job *structs.Job) *structs.Allocation {
		return &structs.Allocation{ID: id, Namespace: ns, JobID: "web", TaskGroup: "web", NodeID: node, EvalID: "e1",
			Name: "web.web[0]", Job: job, DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending}
	}
	eval := func(id string) *structs.Evaluation { return fsmTestEval(id, "web") }
	return []entryCase{
		{typ: structs.NodeRegisterRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeRegisterRequest{Node: testNode("n1")}
		}},
		{typ: structs.NodeUpdateStatusRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeUpdateStatusRequest{NodeID: "n1", Status: structs.NodeStatusReady, UpdatedAt: 1,
				NodeEvent: &structs.NodeEvent{Message: "up", Subsystem: "Cluster"}}
		}},
		{typ: structs.JobRegisterRequestType, carriesJob: true, msg: func(cfg map[string]interface{}) interface{} {
			return &structs.JobRegisterRequest{Job: jobWithConfig(cfg), Eval: eval("e1")}
		}},
		{typ: structs.EvalUpdateRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{eval("e2")}}
		}},
		{typ: structs.AllocUpdateRequestType, carriesJob: true, msg: func(cfg map[string]interface{}) interface{} {
			// The drainer's form: each allocation carries its job.
			return &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{alloc("a1", "n1", jobWithConfig(cfg))}}
		}},
		{typ: structs.AllocUpdateRequestType, carriesJob: true, msg: func(cfg map[string]interface{}) interface{} {
			// A plan's form: the job once for all.
			return &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{alloc("a2", "n1", nil)}, Job: jobWithConfig(cfg)}
		}},
		{typ: structs.AllocClientUpdateRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{{ID: "a1", ClientStatus: structs.AllocClientStatusRunning,
				TaskStates: map[string]*structs.TaskState{"app": {State: structs.TaskStateRunning}}}}}
		}},
		{typ: structs.DeploymentUpsertRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.DeploymentUpsertRequest{Deployment: &structs.Deployment{ID: "d1", Namespace: ns, JobID: "web",
				Status: structs.DeploymentStatusRunning, TaskGroups: map[string]*structs.DeploymentState{"web": {DesiredTotal: 2}}}}
		}},
		{typ: structs.ApplyPlanResultsRequestType, carriesJob: true, msg: func(cfg map[string]interface{}) interface{} {
			return &structs.ApplyPlanResultsRequest{Job: jobWithConfig(cfg), Allocs: []*structs.Allocation{alloc("p1", "n1", nil)}, EvalIDs: []string{"e1"}}
		}},
		{typ: structs.ApplyPlanResultsRequestType, carriesJob: true, msg: func(cfg map[string]interface{}) interface{} {
			stop := alloc("a1", "n1", jobWithConfig(cfg))
			stop.DesiredStatus = structs.AllocDesiredStatusStop
			return &structs.ApplyPlanResultsRequest{AllocsStopped: []*structs.Allocation{stop}, EvalIDs: []string{"e1"}}
		}},
		{typ: structs.ServiceRegistrationUpsertRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.ServiceRegistrationUpsertRequest{Services: []*structs.ServiceRegistration{
				{ID: "_nomad-task-p1-web-http-http", ServiceName: "http", Namespace: ns, NodeID: "n1", Datacenter: "dc1", JobID: "web",
					AllocID: "p1", Tags: []string{"v1"}, Address: "127.0.0.1", Port: 8080, Health: structs.ServiceHealthPassing},
				{ID: "_nomad-task-p1-web-admin-admin", ServiceName: "admin", Namespace: ns, NodeID: "n1", Datacenter: "dc1", JobID: "web",
					AllocID: "p1", Address: "127.0.0.1", Port: 8081},
			}}
		}},
		{typ: structs.ServiceRegistrationDeleteByIDRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.ServiceRegistrationDeleteByIDRequest{ID: "_nomad-task-p1-web-admin-admin", WriteRequest: structs.WriteRequest{Namespace: ns}}
		}},
		{typ: structs.ServiceRegistrationDeleteByAllocRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.ServiceRegistrationDeleteByAllocRequest{AllocID: "p1"}
		}},
		{typ: structs.DeploymentAllocHealthRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.DeploymentAllocHealthRequest{DeploymentID: "d1", HealthyAllocationIDs: []string{"p1"},
				UnhealthyAllocationIDs: []string{"a1"}, Timestamp: time.Unix(1700000000, 0).UTC()}
		}},
		{typ: structs.AllocUpdateDesiredTransitionRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.AllocUpdateDesiredTransitionRequest{Allocs: map[string]*structs.DesiredTransition{"p1": {Migrate: true}},
				Evals: []*structs.Evaluation{eval("e3")}}
		}},
		{typ: structs.DeploymentProgressRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.DeploymentProgressRequest{Deployments: []*structs.DeploymentProgress{{DeploymentID: "d1",
				Status: structs.DeploymentStatusSuccessful, StatusDescription: structs.DeploymentDescSuccessful}},
				StableJobs: []*structs.JobStabilityUpdate{{Namespace: ns, JobID: "web", Stable: true}}}
		}},
		{typ: structs.NodeUpdateEligibilityRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeUpdateEligibilityRequest{NodeID: "n1", Eligibility: structs.NodeSchedulingIneligible, UpdatedAt: 2}
		}},
		{typ: structs.NodeUpdateDrainRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeUpdateDrainRequest{NodeID: "n1", DrainStrategy: &structs.DrainStrategy{Deadline: 60}, UpdatedAt: 3}
		}},
		{typ: structs.NodeUpdateStatusEvalsRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeUpdateStatusEvalsRequest{NodeID: "n1", Status: structs.NodeStatusDown, UpdatedAt: 4,
				Evals: []*structs.Evaluation{eval("e4")}}
		}},
		{typ: structs.EvalDeleteRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.EvalDeleteRequest{Evals: []string{"e4"}}
		}},
		{typ: structs.JobDeregisterRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.JobDeregisterRequest{JobID: "web", Purge: true}
		}},
		{typ: structs.NodeDeregisterRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodeDeregisterRequest{NodeIDs: []string{"n1"}}
		}},
		{typ: structs.NodePoolUpsertRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{{Name: "gpu", Description: "GPU nodes", Meta: map[string]string{"a": "b"}}}}
		}},
		{typ: structs.NodePoolDeleteRequestType, msg: func(map[string]interface{}) interface{} {
			return &structs.NodePoolDeleteRequest{Names: []string{"gpu"}}
		}},
	}
}

// fsmHandles reports whether the FSM knows message type t (whether or not
// it can apply the empty entry it is given here).
func fsmHandles(f *FSM, t structs.MessageType) bool {
	resp := f.Apply(&raft.Log{Index: 1_000_000, Data: []byte{byte(t), 0xc0}})
	err, _ := resp.(error)
	return err == nil || !strings.Contains(err.Error(), "unknown message type")
}

// TestEveryAcceptedEntryDecodesOnAFollower is the FSM's guarantee: for
// every message type the FSM applies, a request the leader accepts for
// Raft is applied by another server's FSM, including requests whose jobs
// nest their task Config right up to, and past, what the codec decodes.
// A message type the FSM handles that has no case here fails the test.
func TestEveryAcceptedEntryDecodesOnAFollower(t *testing.T) {
	cases := entryCases()
	covered := map[structs.MessageType]bool{}
	for _, c := range cases {
		covered[c.typ] = true
	}
	probe := testFSM(t)
	for t8 := 0; t8 < int(structs.IgnoreUnknownTypeFlag); t8++ {
		typ := structs.MessageType(t8)
		known := !strings.HasPrefix(typ.String(), "MessageType(")
		if (known || fsmHandles(probe, typ)) && !covered[typ] {
			t.Errorf("message type %s (%d) has no case in entryCases: add a representative request", typ, t8)
		}
	}

	follower := testFSM(t)
	index := uint64(0)
	apply := func(name string, buf []byte) {
		t.Helper()
		index++
		if resp := follower.Apply(&raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: buf}); resp != nil {
			t.Fatalf("%s: accepted by the leader but the follower's FSM failed: %v", name, resp)
		}
	}
	flat := map[string]interface{}{"run_for": "10s"}
	for i, c := range cases {
		name := fmt.Sprintf("case %d (%s)", i, c.typ)
		buf, err := acceptEntry(c.typ, c.msg(flat))
		if err != nil {
			t.Fatalf("%s: representative request refused: %v", name, err)
		}
		apply(name, buf)
		if !c.carriesJob {
			continue
		}
		// Around every type's limit: whatever is accepted applies, and
		// the deepest is refused.
		accepted := 0
		for depth := structs.MaxDecodeDepth - 12; depth <= structs.MaxDecodeDepth-3; depth++ {
			buf, err := acceptEntry(c.typ, c.msg(nestedConfig(depth)))
			if err != nil {
				if depth == structs.MaxDecodeDepth-12 {
					t.Fatalf("%s: Config %d deep refused: %v", name, depth, err)
				}
				continue
			}
			accepted = depth
			apply(fmt.Sprintf("%s with Config %d deep", name, depth), buf)
		}
		if accepted == structs.MaxDecodeDepth-3 {
			t.Fatalf("%s: Config %d deep accepted; nothing that deep decodes", name, accepted)
		}
	}
}

// TestRaftApplyRefusesAnEntryThatWouldNotDecode is finding 3's
// regression: a job whose task Config nests 1,018 levels deep was
// committed to Raft and then failed to apply on every server ("fsm apply
// JobRegister … msgpack decode error"), answered with a 500. It is now a
// validation error naming the field, and nothing reaches the log.
func TestRaftApplyRefusesAnEntryThatWouldNotDecode(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	before := settledIndex(t, s)

	deep := fsmTestJob("deep", 1)
	deep.TaskGroups[0].Tasks[0].Config = nestedConfig(1018)
	_, _, err := s.raftApply(structs.JobRegisterRequestType, &structs.JobRegisterRequest{Job: deep})
	if !structs.IsValidationError(err) {
		t.Fatalf("raftApply: %v, want a validation error", err)
	}
	for _, want := range []string{"TaskGroups[0].Tasks[0].Config", "job is nested too deeply to store", "more than 1017 levels"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	// Through the endpoint the HTTP API calls: refused before Raft (by
	// validation or by raftApply), as a validation error (HTTP 400).
	job := mockJob("deep")
	job.TaskGroups[0].Tasks[0].Config = nestedConfig(1018)
	var resp structs.JobRegisterResponse
	err = s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &resp)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), `group "web" > task "app" > config`) {
		t.Fatalf("Job.Register: %v, want a validation error naming the Config", err)
	}
	if after := s.raft.LastIndex(); after != before {
		t.Fatalf("raft log went from index %d to %d: something was committed", before, after)
	}
	if j, _ := s.State().JobByID(nil, structs.DefaultNamespace, "deep"); j != nil {
		t.Fatal("the job was stored")
	}
}

// A request that would not decode for another reason than its depth is
// refused too, as an internal error rather than the user's.
func TestRaftApplyRefusesAnUndecodableEntry(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	before := settledIndex(t, s)
	_, _, err := s.raftApply(structs.EvalUpdateRequestType, &undecodableRequest{V: oneWay{}})
	if err == nil || structs.IsValidationError(err) {
		t.Fatalf("raftApply: %v, want an internal error", err)
	}
	if after := s.raft.LastIndex(); after != before {
		t.Fatalf("raft log went from index %d to %d", before, after)
	}
}

// oneWay encodes, but refuses to be decoded.
type oneWay struct{}

func (oneWay) MarshalBinary() ([]byte, error) { return []byte("x"), nil }
func (*oneWay) UnmarshalBinary([]byte) error  { return errors.New("one way only") }

type undecodableRequest struct{ V oneWay }

// settledIndex is the leader's last Raft index once the entries of its
// election have been applied.
func settledIndex(t *testing.T, s *Server) uint64 {
	t.Helper()
	if err := s.raft.Barrier(10 * time.Second).Error(); err != nil {
		t.Fatal(err)
	}
	return s.raft.LastIndex()
}

// A client's report is not decoded again (nestingBounded): that holds only
// while an allocation without its job cannot nest past the codec's limit.
func TestClientReportsNeedNoRoundTrip(t *testing.T) {
	if !allocUpdateBounded || allocUpdateDepth > structs.MaxDecodeDepth {
		t.Fatalf("AllocUpdateRequest without jobs: depth bound (%d, %v); want one under %d", allocUpdateDepth, allocUpdateBounded, structs.MaxDecodeDepth)
	}
	report := &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{{ID: "a", ClientStatus: structs.AllocClientStatusRunning,
		TaskStates: map[string]*structs.TaskState{"t": {State: "running", Events: []*structs.TaskEvent{{Type: "Started", Details: map[string]string{"k": "v"}}}}}}}}
	if !nestingBounded(report) {
		t.Fatal("a client's report: want it bounded")
	}
	if !nestingBounded(&structs.EvalUpdateRequest{}) || !nestingBounded(&structs.NodeRegisterRequest{Node: &structs.Node{ID: "n"}}) {
		t.Fatal("messages without free-form data: want them bounded")
	}
	withJob := &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{{ID: "a", Job: &structs.Job{ID: "j"}}}}
	if nestingBounded(withJob) || nestingBounded(&structs.AllocUpdateRequest{Job: &structs.Job{}}) || nestingBounded(&structs.JobRegisterRequest{}) {
		t.Fatal("a message that carries a job: want it decoded again")
	}
}
