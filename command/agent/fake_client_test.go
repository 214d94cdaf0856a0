package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/hoststats"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeClient is a localClient over real allocation directories in a temp
// dir: files and logs are real, tasks are not run; restarts and signals
// are recorded. RPCs go to a fake backend, as a real client's go to its
// servers.
type fakeClient struct {
	nodeID  string
	root    string
	backend *fakeBackend

	mu       sync.Mutex // guards the fields below
	allocs   map[string]*fakeAlloc
	shutdown int
	// hostStats is what HostStats answers (fakeHostStats when nil), or
	// hostStatsErr.
	hostStats    *hoststats.HostStats
	hostStatsErr error
}

func newFakeClient(t *testing.T, b *fakeBackend) *fakeClient {
	t.Helper()
	return &fakeClient{nodeID: "node-local-0000", root: t.TempDir(), backend: b, allocs: map[string]*fakeAlloc{}}
}

func (c *fakeClient) NodeID() string { return c.nodeID }
func (c *fakeClient) Node() *structs.Node {
	return &structs.Node{ID: c.nodeID, Name: "local"}
}
func (c *fakeClient) RPC(method string, args, reply interface{}) error {
	if c.backend == nil {
		return fmt.Errorf("no servers")
	}
	return c.backend.RPC(method, args, reply)
}
func (c *fakeClient) Servers() []string { return []string{"127.0.0.1:4647"} }
func (c *fakeClient) NumAllocs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.allocs)
}
func (c *fakeClient) Shutdown() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdown++
	return nil
}
func (c *fakeClient) HostStats() (*hoststats.HostStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hostStatsErr != nil {
		return nil, c.hostStatsErr
	}
	if c.hostStats != nil {
		return c.hostStats, nil
	}
	return fakeHostStats(), nil
}

// fakeHostStats is a two-core host with 16 GiB of memory, a quarter of
// it used, and a 100 GiB disk holding the alloc dir, 40% used.
func fakeHostStats() *hoststats.HostStats {
	disk := &hoststats.HostDiskStats{Device: "/dev/sda1", Mountpoint: "/", Size: 100 << 30, Used: 40 << 30, Available: 60 << 30,
		UsedPercent: 40, InodesUsedPercent: 10}
	return &hoststats.HostStats{
		Memory: &hoststats.HostMemoryStats{Total: 16 << 30, Available: 12 << 30, Used: 4 << 30, Free: 8 << 30},
		CPU: []*hoststats.HostCPUStats{
			{CPU: "cpu0", User: 20, System: 5, Idle: 75, Total: 25},
			{CPU: "cpu1", User: 10, System: 5, Idle: 85, Total: 15},
		},
		DiskStats:        []*hoststats.HostDiskStats{disk},
		AllocDirStats:    disk,
		Uptime:           3600,
		Timestamp:        sampleTime.UnixNano(),
		CPUTicksConsumed: 800,
	}
}
func (c *fakeClient) Alloc(id string) (localAlloc, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.allocs[id]
	return a, ok
}

// addAlloc builds the directory of an allocation of one group with the
// given tasks and holds it.
func (c *fakeClient) addAlloc(t *testing.T, id string, tasks ...string) *fakeAlloc {
	t.Helper()
	job := &structs.Job{ID: "web", Namespace: "default", Type: structs.JobTypeService,
		TaskGroups: []*structs.TaskGroup{{Name: "g", Count: 1}}}
	for _, name := range tasks {
		job.TaskGroups[0].Tasks = append(job.TaskGroups[0].Tasks, &structs.Task{Name: name, Driver: "mock"})
	}
	d := allocdir.New(c.root, id)
	if err := d.Build(tasks); err != nil {
		t.Fatal(err)
	}
	a := &fakeAlloc{
		alloc:         &structs.Allocation{ID: id, Namespace: "default", JobID: "web", Job: job, TaskGroup: "g", NodeID: c.nodeID},
		allocDirFiles: allocDirFiles{d: d},
		stats:         map[string]*plugin.TaskResourceUsage{},
	}
	c.mu.Lock()
	c.allocs[id] = a
	c.mu.Unlock()
	return a
}

// fakeAlloc is a localAlloc whose files are real.
type fakeAlloc struct {
	alloc *structs.Allocation
	allocDirFiles

	mu       sync.Mutex // guards the fields below
	restarts []string
	signals  []string
	stats    map[string]*plugin.TaskResourceUsage
	failWith error
	// signalErr is what SignalTask answers, when set.
	signalErr error
}

func (a *fakeAlloc) Alloc() *structs.Allocation { return a.alloc }
func (a *fakeAlloc) RestartTask(task string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failWith != nil {
		return a.failWith
	}
	a.restarts = append(a.restarts, task)
	return nil
}
func (a *fakeAlloc) SignalTask(task, sig string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.signalErr != nil {
		return a.signalErr
	}
	a.signals = append(a.signals, task+":"+sig)
	return nil
}
func (a *fakeAlloc) Stats() map[string]*plugin.TaskResourceUsage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// writeLog writes a task's rotated log file with the given index.
func (a *fakeAlloc) writeLog(t *testing.T, task, stream string, index int, data string) {
	t.Helper()
	p := filepath.Join(a.LogDir(), fmt.Sprintf("%s.%s.%d", task, stream, index))
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appendLog appends to a task's log file.
func (a *fakeAlloc) appendLog(t *testing.T, task, stream string, index int, data string) {
	t.Helper()
	p := filepath.Join(a.LogDir(), fmt.Sprintf("%s.%s.%d", task, stream, index))
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]*plugin.TaskResourceUsage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var sampleTime = time.Unix(1_700_000_000, 0)
