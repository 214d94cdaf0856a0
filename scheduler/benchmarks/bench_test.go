package benchmarks

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

var benchNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// planner accepts every plan in full. With apply set it writes the plan
// to the store, outside the timed region, so later evaluations see what
// earlier ones placed.
type planner struct {
	b      *testing.B
	store  *state.StateStore
	apply  bool
	index  uint64
	placed int
}

func (p *planner) SubmitPlan(plan *structs.Plan) (*structs.PlanResult, scheduler.State, error) {
	var allocs []*structs.Allocation
	for _, list := range plan.NodeAllocation {
		p.placed += len(list)
		allocs = append(allocs, list...)
	}
	if p.apply {
		p.b.StopTimer()
		p.index++
		if err := p.store.UpsertAllocs(p.index, allocs); err != nil {
			return nil, nil, err
		}
		p.b.StartTimer()
	}
	return &structs.PlanResult{NodeAllocation: plan.NodeAllocation, NodeUpdate: plan.NodeUpdate, AllocIndex: p.index}, nil, nil
}

func (p *planner) UpdateEval(*structs.Evaluation) error  { return nil }
func (p *planner) CreateEval(*structs.Evaluation) error  { return nil }
func (p *planner) ReblockEval(*structs.Evaluation) error { return nil }

// cluster is a store with n nodes of 8 cores / 16 GiB in four
// datacenters, with their classes computed as the server does on
// registration.
func cluster(b *testing.B, n int) (*state.StateStore, uint64) {
	b.Helper()
	s, err := state.NewStateStore(hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	index := uint64(1)
	for i := 0; i < n; i++ {
		node := &structs.Node{
			ID:         fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Name:       fmt.Sprintf("node-%d", i),
			Datacenter: fmt.Sprintf("dc%d", i%4),
			NodePool:   structs.DefaultNodePool,
			NodeClass:  []string{"small", "large"}[i%2],
			Attributes: map[string]string{"kernel.name": "linux", "cpu.arch": "amd64", "unique.hostname": fmt.Sprintf("h%d", i)},
			Meta:       map[string]string{"rack": fmt.Sprintf("r%d", i%10)},
			Drivers:    map[string]*structs.DriverInfo{"exec": {Detected: true, Healthy: true}},
			NodeResources: &structs.NodeResources{
				Cpu:      structs.NodeCpuResources{CpuShares: 8000, TotalCpuCores: 8},
				Memory:   structs.NodeMemoryResources{MemoryMB: 16384},
				Disk:     structs.NodeDiskResources{DiskMB: 200 * 1024},
				Networks: []*structs.NetworkResource{{Device: "eth0", IP: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}},
			},
			ReservedResources: &structs.NodeReservedResources{
				Cpu:      structs.NodeCpuResources{CpuShares: 100},
				Memory:   structs.NodeMemoryResources{MemoryMB: 256},
				Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: "22"},
			},
			Status:                structs.NodeStatusReady,
			SchedulingEligibility: structs.NodeSchedulingEligible,
		}
		node.ComputeClass()
		index++
		if err := s.UpsertNode(index, node); err != nil {
			b.Fatal(err)
		}
	}
	return s, index
}

func job(id, typ string, count int) *structs.Job {
	j := &structs.Job{
		ID:          id,
		Type:        typ,
		Datacenters: []string{"*"},
		Constraints: []*structs.Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux"}},
		TaskGroups: []*structs.TaskGroup{{
			Name:          "app",
			Count:         count,
			EphemeralDisk: &structs.EphemeralDisk{SizeMB: 100},
			Tasks: []*structs.Task{{
				Name:      "app",
				Driver:    "exec",
				Config:    map[string]interface{}{"command": "/bin/app"},
				Resources: &structs.Resources{CPU: 100, MemoryMB: 128},
			}},
		}},
	}
	if typ == structs.JobTypeService {
		j.TaskGroups[0].Networks = []*structs.NetworkResource{{DynamicPorts: []structs.Port{{Label: "http"}}}}
	}
	j.Canonicalize()
	return j
}

func eval(j *structs.Job, n int) *structs.Evaluation {
	return &structs.Evaluation{
		ID:          fmt.Sprintf("eval-%s-%d", j.ID, n),
		Namespace:   j.Namespace,
		Priority:    j.Priority,
		Type:        j.Type,
		TriggeredBy: structs.EvalTriggerJobRegister,
		JobID:       j.ID,
		Status:      structs.EvalStatusPending,
		CreateTime:  benchNow.UnixNano(),
	}
}

// process runs one evaluation on a fresh snapshot, wrapped with the
// node cache as a server's worker does when cache is not nil.
func process(b *testing.B, s *state.StateStore, p *planner, e *structs.Evaluation, cache *scheduler.NodeCache) {
	snap, err := s.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	var st scheduler.State = snap
	if cache != nil {
		st = cache.Wrap(snap)
	}
	sched, err := scheduler.NewScheduler(e.Type, hclog.NewNullLogger(), st, p)
	if err != nil {
		b.Fatal(err)
	}
	if err := sched.Process(e); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, placed int) {
	b.ReportMetric(float64(placed)/b.Elapsed().Seconds(), "placements/s")
	b.ReportMetric(float64(placed)/float64(b.N), "placements/op")
}

// BenchmarkServiceJob10kOn5kNodes places one service job of count 10,000
// (with a dynamic port each) on 5,000 nodes in one evaluation.
func BenchmarkServiceJob10kOn5kNodes(b *testing.B) {
	s, index := cluster(b, 5000)
	j := job("web", structs.JobTypeService, 10000)
	if err := s.UpsertJob(index+1, j); err != nil {
		b.Fatal(err)
	}
	p := &planner{b: b, store: s}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		process(b, s, p, eval(j, i), &scheduler.NodeCache{})
	}
	b.StopTimer()
	if p.placed != 10000*b.N {
		b.Fatalf("placed %d, want %d", p.placed, 10000*b.N)
	}
	report(b, p.placed)
}

// Benchmark1000JobsOf10 places 1,000 service jobs of count 10 on 5,000
// nodes, one evaluation each, every plan applied to the store (untimed)
// before the next evaluation, the snapshots wrapped with a NodeCache as
// the server's workers do.
func Benchmark1000JobsOf10(b *testing.B) { bench1000Jobs(b, &scheduler.NodeCache{}) }

// Benchmark1000JobsOf10NoNodeCache is the same without the node cache:
// every evaluation iterates the 5,000 nodes of the store.
func Benchmark1000JobsOf10NoNodeCache(b *testing.B) { bench1000Jobs(b, nil) }

func bench1000Jobs(b *testing.B, cache *scheduler.NodeCache) {
	placed := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, index := cluster(b, 5000)
		var jobs []*structs.Job
		for k := 0; k < 1000; k++ {
			j := job(fmt.Sprintf("job-%04d", k), structs.JobTypeService, 10)
			index++
			if err := s.UpsertJob(index, j); err != nil {
				b.Fatal(err)
			}
			jobs = append(jobs, j)
		}
		p := &planner{b: b, store: s, apply: true, index: index}
		b.StartTimer()
		for k, j := range jobs {
			process(b, s, p, eval(j, k), cache)
		}
		b.StopTimer()
		if p.placed != 10000 {
			b.Fatalf("placed %d, want 10000", p.placed)
		}
		placed += p.placed
	}
	report(b, placed)
}

// BenchmarkSystemJob5kNodes places one system job on 5,000 nodes.
func BenchmarkSystemJob5kNodes(b *testing.B) {
	s, index := cluster(b, 5000)
	j := job("sys", structs.JobTypeSystem, 1)
	if err := s.UpsertJob(index+1, j); err != nil {
		b.Fatal(err)
	}
	p := &planner{b: b, store: s}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		process(b, s, p, eval(j, i), &scheduler.NodeCache{})
	}
	b.StopTimer()
	if p.placed != 5000*b.N {
		b.Fatalf("placed %d, want %d", p.placed, 5000*b.N)
	}
	report(b, p.placed)
}
