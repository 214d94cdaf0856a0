package scheduler

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// testNow is the time every test evaluation is created at.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// harness is a Planner over a real state store: plans are applied to the
// store as the plan applier would (allocations upserted, stops and
// preemptions applied, deployments written) and recorded, evaluations
// are written and recorded. Partial, when positive, makes that many plan
// submissions commit nothing and ask for a refresh.
type harness struct {
	t       testing.TB
	state   *state.StateStore
	index   uint64
	partial int
	config  *structs.SchedulerConfiguration

	plans     []*structs.Plan
	evals     []*structs.Evaluation
	created   []*structs.Evaluation
	reblocked []*structs.Evaluation
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	s, err := state.NewStateStore(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, state: s, index: 1000}
}

func (h *harness) nextIndex() uint64 { h.index++; return h.index }

// configState adds the operator configuration ability to a snapshot.
type configState struct {
	*state.StateSnapshot
	config *structs.SchedulerConfiguration
}

func (c configState) SchedulerConfig() (uint64, *structs.SchedulerConfiguration, error) {
	return 1, c.config, nil
}

func (h *harness) snapshot() State {
	snap, err := h.state.Snapshot()
	if err != nil {
		h.t.Fatal(err)
	}
	if h.config != nil {
		return configState{snap, h.config}
	}
	return snap
}

func (h *harness) SubmitPlan(plan *structs.Plan) (*structs.PlanResult, State, error) {
	h.plans = append(h.plans, plan)
	if h.partial > 0 {
		h.partial--
		return &structs.PlanResult{RefreshIndex: h.index}, h.snapshot(), nil
	}
	index := h.nextIndex()
	// The store stamps what it is given; apply shallow copies so the
	// recorded plan stays as the scheduler made it.
	var allocs, lost []*structs.Allocation
	add := func(a *structs.Allocation) {
		c := *a
		allocs = append(allocs, &c)
	}
	for _, list := range plan.NodeUpdate {
		for _, a := range list {
			add(a)
			if a.ClientStatus == structs.AllocClientStatusLost {
				lost = append(lost, a)
			}
		}
	}
	for _, list := range plan.NodePreemptions {
		for _, a := range list {
			add(a)
		}
	}
	for _, list := range plan.NodeAllocation {
		for _, a := range list {
			add(a)
		}
	}
	if plan.Deployment != nil {
		if err := h.state.UpsertDeployment(index, plan.Deployment.Copy()); err != nil {
			return nil, nil, err
		}
	}
	for _, u := range plan.DeploymentUpdates {
		d, err := h.state.DeploymentByID(nil, u.DeploymentID)
		if err != nil || d == nil {
			return nil, nil, fmt.Errorf("deployment %q: %v", u.DeploymentID, err)
		}
		d = d.Copy()
		d.Status, d.StatusDescription = u.Status, u.StatusDescription
		if err := h.state.UpsertDeployment(index, d); err != nil {
			return nil, nil, err
		}
	}
	if err := h.state.UpsertAllocs(index, allocs); err != nil {
		return nil, nil, err
	}
	// The store keeps the client's status on upsert; a lost stop sets it.
	if len(lost) > 0 {
		var updates []*structs.Allocation
		for _, a := range lost {
			updates = append(updates, &structs.Allocation{ID: a.ID, ClientStatus: structs.AllocClientStatusLost, TaskStates: a.TaskStates})
		}
		if err := h.state.UpdateAllocsFromClient(h.nextIndex(), updates); err != nil {
			return nil, nil, err
		}
	}
	return &structs.PlanResult{
		NodeUpdate:        plan.NodeUpdate,
		NodeAllocation:    plan.NodeAllocation,
		NodePreemptions:   plan.NodePreemptions,
		Deployment:        plan.Deployment,
		DeploymentUpdates: plan.DeploymentUpdates,
		AllocIndex:        index,
	}, nil, nil
}

func (h *harness) UpdateEval(e *structs.Evaluation) error {
	h.evals = append(h.evals, e)
	return h.state.UpsertEvals(h.nextIndex(), []*structs.Evaluation{e})
}

func (h *harness) CreateEval(e *structs.Evaluation) error {
	h.created = append(h.created, e)
	return h.state.UpsertEvals(h.nextIndex(), []*structs.Evaluation{e})
}

func (h *harness) ReblockEval(e *structs.Evaluation) error {
	h.reblocked = append(h.reblocked, e)
	return nil
}

// process runs the scheduler of the evaluation's type over a snapshot.
func (h *harness) process(eval *structs.Evaluation) {
	h.t.Helper()
	if err := h.processErr(eval); err != nil {
		h.t.Fatalf("process %s: %v", eval.TriggeredBy, err)
	}
}

func (h *harness) processErr(eval *structs.Evaluation) error {
	s, err := NewScheduler(eval.Type, hclog.NewNullLogger(), h.snapshot(), h)
	if err != nil {
		return err
	}
	return s.Process(eval)
}

// lastEval is the latest evaluation update.
func (h *harness) lastEval() *structs.Evaluation {
	h.t.Helper()
	if len(h.evals) == 0 {
		h.t.Fatal("no evaluation update")
	}
	return h.evals[len(h.evals)-1]
}

// lastPlan is the latest submitted plan.
func (h *harness) lastPlan() *structs.Plan {
	h.t.Helper()
	if len(h.plans) == 0 {
		h.t.Fatal("no plan submitted")
	}
	return h.plans[len(h.plans)-1]
}

// --- builders ---

func nodeID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// mockNode is a ready linux node with 4000 MHz, 8 GiB and 100 GiB, of
// which 100 MHz, 256 MiB, 4 GiB and port 22 are reserved, with healthy
// exec and mock drivers.
func mockNode(i int) *structs.Node {
	n := &structs.Node{
		ID:         nodeID(i),
		SecretID:   fmt.Sprintf("secret-%d", i),
		Datacenter: "dc1",
		Name:       fmt.Sprintf("node-%d", i),
		NodePool:   structs.DefaultNodePool,
		Attributes: map[string]string{
			"kernel.name":               "linux",
			"cpu.arch":                  "amd64",
			"nomad.version":             "1.9.0",
			"unique.hostname":           fmt.Sprintf("host-%d", i),
			"unique.network.ip-address": fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
		},
		Meta: map[string]string{"rack": "r1"},
		Drivers: map[string]*structs.DriverInfo{
			"exec": {Detected: true, Healthy: true},
			"mock": {Detected: true, Healthy: true},
		},
		NodeResources: &structs.NodeResources{
			Cpu:    structs.NodeCpuResources{CpuShares: 4000, TotalCpuCores: 4},
			Memory: structs.NodeMemoryResources{MemoryMB: 8192},
			Disk:   structs.NodeDiskResources{DiskMB: 100 * 1024},
			Networks: []*structs.NetworkResource{
				{Device: "eth0", IP: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), MBits: 1000},
			},
		},
		ReservedResources: &structs.NodeReservedResources{
			Cpu:      structs.NodeCpuResources{CpuShares: 100},
			Memory:   structs.NodeMemoryResources{MemoryMB: 256},
			Disk:     structs.NodeDiskResources{DiskMB: 4 * 1024},
			Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: "22"},
		},
		Status:                structs.NodeStatusReady,
		SchedulingEligibility: structs.NodeSchedulingEligible,
	}
	n.ComputeClass()
	return n
}

// mockJob is a service job with one group "web" of count 10, one exec
// task asking 500 MHz and 256 MiB, and a dynamic port "http".
func mockJob(id string) *structs.Job {
	j := &structs.Job{
		Region:      "global",
		ID:          id,
		Name:        id,
		Type:        structs.JobTypeService,
		Priority:    50,
		Datacenters: []string{"dc1"},
		TaskGroups: []*structs.TaskGroup{{
			Name:          "web",
			Count:         10,
			EphemeralDisk: &structs.EphemeralDisk{SizeMB: 150},
			Networks: []*structs.NetworkResource{{
				DynamicPorts: []structs.Port{{Label: "http", To: 8080}},
			}},
			Tasks: []*structs.Task{{
				Name:      "web",
				Driver:    "exec",
				Config:    map[string]interface{}{"command": "/bin/date"},
				Env:       map[string]string{"FOO": "bar"},
				Resources: &structs.Resources{CPU: 500, MemoryMB: 256},
				Meta:      map[string]string{"version": "1"},
			}},
		}},
	}
	j.Canonicalize()
	return j
}

func mockBatchJob(id string) *structs.Job {
	j := mockJob(id)
	j.Type = structs.JobTypeBatch
	j.TaskGroups[0].Networks = nil
	j.TaskGroups[0].ReschedulePolicy = nil
	j.TaskGroups[0].Migrate = nil
	j.Canonicalize()
	return j
}

func mockSystemJob(id string) *structs.Job {
	j := mockJob(id)
	j.Type = structs.JobTypeSystem
	j.Priority = 100
	j.TaskGroups[0].Count = 1
	j.TaskGroups[0].Networks = nil
	j.TaskGroups[0].ReschedulePolicy = nil
	j.TaskGroups[0].Migrate = nil
	j.Canonicalize()
	return j
}

func (h *harness) upsertNodes(nodes ...*structs.Node) {
	h.t.Helper()
	for _, n := range nodes {
		if err := h.state.UpsertNode(h.nextIndex(), n); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) addNodes(from, count int, mutate func(*structs.Node)) []*structs.Node {
	h.t.Helper()
	var out []*structs.Node
	for i := from; i < from+count; i++ {
		n := mockNode(i)
		if mutate != nil {
			mutate(n)
			n.ComputeClass()
		}
		out = append(out, n)
	}
	h.upsertNodes(out...)
	return out
}

// upsertJob writes the job and returns the stored version.
func (h *harness) upsertJob(j *structs.Job) *structs.Job {
	h.t.Helper()
	if err := h.state.UpsertJob(h.nextIndex(), j.Copy()); err != nil {
		h.t.Fatal(err)
	}
	return h.job(j.Namespace, j.ID)
}

func (h *harness) job(ns, id string) *structs.Job {
	h.t.Helper()
	got, err := h.state.JobByID(nil, ns, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func (h *harness) upsertAllocs(allocs ...*structs.Allocation) {
	h.t.Helper()
	if err := h.state.UpsertAllocs(h.nextIndex(), allocs); err != nil {
		h.t.Fatal(err)
	}
}

// setClientStatus reports allocations as a client would.
func (h *harness) setClientStatus(status string, finished time.Time, allocs ...*structs.Allocation) {
	h.t.Helper()
	var updates []*structs.Allocation
	for _, a := range allocs {
		u := &structs.Allocation{ID: a.ID, ClientStatus: status}
		if !finished.IsZero() {
			u.TaskStates = map[string]*structs.TaskState{"web": {State: structs.TaskStateDead, Failed: status == structs.AllocClientStatusFailed, FinishedAt: finished}}
		}
		updates = append(updates, u)
	}
	if err := h.state.UpdateAllocsFromClient(h.nextIndex(), updates); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) setNodeStatus(id, status string) {
	h.t.Helper()
	if err := h.state.UpdateNodeStatus(h.nextIndex(), id, status, testNow.UnixNano(), nil); err != nil {
		h.t.Fatal(err)
	}
}

// updateNode rewrites a stored node; UpsertNode keeps the operator's drain
// and eligibility, so this replaces the object directly through a delete.
func (h *harness) updateNode(id string, mutate func(*structs.Node)) {
	h.t.Helper()
	n, err := h.state.NodeByID(nil, id)
	if err != nil || n == nil {
		h.t.Fatalf("node %s: %v", id, err)
	}
	n = n.Copy()
	mutate(n)
	n.ComputeClass()
	if err := h.state.DeleteNode(h.nextIndex(), []string{id}); err != nil {
		h.t.Fatal(err)
	}
	h.upsertNodes(n)
}

// newEval is a pending evaluation of the job at testNow.
func newEval(j *structs.Job, trigger string) *structs.Evaluation {
	return &structs.Evaluation{
		ID:             fmt.Sprintf("eval-%s-%s-%d", j.ID, trigger, evalCounter()),
		Namespace:      j.Namespace,
		Priority:       j.Priority,
		Type:           j.Type,
		TriggeredBy:    trigger,
		JobID:          j.ID,
		JobModifyIndex: j.JobModifyIndex,
		Status:         structs.EvalStatusPending,
		CreateTime:     testNow.UnixNano(),
		ModifyTime:     testNow.UnixNano(),
	}
}

var evalSeq int

func evalCounter() int { evalSeq++; return evalSeq }

// liveAllocs are the job's allocations that are neither stopped nor
// finished.
func (h *harness) liveAllocs(j *structs.Job) []*structs.Allocation {
	h.t.Helper()
	all, err := h.state.AllocsByJob(nil, j.Namespace, j.ID, true)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*structs.Allocation
	for _, a := range all {
		if !a.TerminalStatus() {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// planned lists a plan's placements as sorted "name@node" strings.
func planned(p *structs.Plan) []string {
	var out []string
	for node, list := range p.NodeAllocation {
		for _, a := range list {
			out = append(out, a.Name+"@"+node[len(node)-4:])
		}
	}
	sort.Strings(out)
	return out
}

func countPlaced(p *structs.Plan) int {
	n := 0
	for _, list := range p.NodeAllocation {
		n += len(list)
	}
	return n
}

func countStopped(p *structs.Plan) int {
	n := 0
	for _, list := range p.NodeUpdate {
		n += len(list)
	}
	return n
}

func names(allocs []*structs.Allocation) string {
	var out []string
	for _, a := range allocs {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
