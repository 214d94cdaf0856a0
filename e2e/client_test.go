//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// mockJob is a job of count tasks on the mock driver, small enough that a
// hundred fit on a two-core test machine.
func mockJob(id, typ string, count int, config map[string]interface{}) *api.Job {
	return &api.Job{
		ID:          id,
		Type:        typ,
		Datacenters: []string{"dc1"},
		TaskGroups: []*api.TaskGroup{{
			Name:          "g",
			Count:         count,
			EphemeralDisk: &api.EphemeralDisk{SizeMB: 10},
			Tasks: []*api.Task{{
				Name:      "t",
				Driver:    "mock",
				Config:    config,
				Resources: &api.Resources{CPU: 10, MemoryMB: 10},
			}},
		}},
	}
}

// jobAllocs lists a job's allocations through a.
func jobAllocs(t testing.TB, a *agentProc, jobID string) []*api.AllocationListStub {
	t.Helper()
	allocs, _, err := a.client(10*time.Second).Jobs().Allocations(jobID, nil)
	if err != nil {
		t.Logf("list allocations of %s: %v", jobID, err)
		return nil
	}
	return allocs
}

// countByStatus counts allocations by client status.
func countByStatus(allocs []*api.AllocationListStub) map[string]int {
	n := map[string]int{}
	for _, a := range allocs {
		n[a.ClientStatus]++
	}
	return n
}

// (a) A dev agent runs a mock batch job of count 100 to completion.
func TestDevAgentRunsBatchJobOfHundred(t *testing.T) {
	a := startServer(t, "dev", 0, serverOpts{Dev: true})
	cl := a.client(10 * time.Second)
	job := mockJob("batch-100", api.JobTypeBatch, 100, map[string]interface{}{
		"run_for":       "100ms",
		"stdout_string": "done\n",
	})
	if _, _, err := cl.Jobs().Register(job, nil); err != nil {
		t.Fatalf("register: %v", err)
	}
	took := waitFor(t, 3*time.Minute, 500*time.Millisecond, func() (bool, string) {
		n := countByStatus(jobAllocs(t, a, job.ID))
		return n["complete"] == 100, fmt.Sprintf("allocations by status: %v", n)
	})
	t.Logf("100 mock batch allocations complete %s after registration", took.Round(time.Millisecond))
	for _, s := range jobAllocs(t, a, job.ID) {
		if ts := s.TaskStates["t"]; ts == nil || ts.Failed || ts.State != "dead" {
			t.Fatalf("allocation %s: task state %+v, want dead and not failed", s.ID, ts)
		}
	}
}

// (b) kill -9 of the agent leaves the task running: after a restart the
// same task is recovered, no restart is counted and the logs kept being
// written while the agent was down.
func TestAgentKill9TaskKeepsRunning(t *testing.T) {
	a := startServer(t, "solo", 0, serverOpts{BootstrapExpect: 1, Client: true})
	job := mockJob("svc", api.JobTypeService, 1, map[string]interface{}{
		"run_for":                "1h",
		"stdout_string":          "tick\n",
		"stdout_repeat":          1000000,
		"stdout_repeat_duration": "50ms",
	})
	taskSurvivesKill9(t, a, job)
}

// tickerWasm is a WASI program that prints "tick" every 50 ms forever.
const tickerWasm = `package main

import (
	"os"
	"time"
)

func main() {
	for {
		os.Stdout.WriteString("tick\n")
		time.Sleep(50 * time.Millisecond)
	}
}
`

// tickerModule builds tickerWasm as a WASI module in a directory of its
// own (for the agent's artifact file_roots) and returns both.
func tickerModule(t testing.TB) (dir, module string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(tickerWasm), 0o644); err != nil {
		t.Fatal(err)
	}
	module = filepath.Join(dir, "ticker.wasm")
	build := exec.Command("go", "build", "-o", module, "main.go")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GO111MODULE=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the wasm module: %v\n%s", err, out)
	}
	return dir, module
}

// (b) again with a WebAssembly task: it lives in the wasm plugin's
// process, which the agent's restart leaves running and re-attaches to.
func TestAgentKill9WasmTaskKeepsRunning(t *testing.T) {
	src, module := tickerModule(t)
	a := startServer(t, "solo", 0, serverOpts{BootstrapExpect: 1, Client: true,
		ClientExtra: fmt.Sprintf("  artifact {\n    file_roots = [%q]\n  }\n", src)})
	job := mockJob("wasm-svc", api.JobTypeService, 1, map[string]interface{}{"module": "local/ticker.wasm"})
	task := job.TaskGroups[0].Tasks[0]
	task.Driver = "wasm"
	task.Resources.MemoryMB = 64
	task.Artifacts = []*api.TaskArtifact{{GetterSource: module}}
	taskSurvivesKill9(t, a, job)
}

// taskSurvivesKill9 runs job (one task "t" printing "tick" lines) on a,
// kills the agent with SIGKILL and starts it again, and checks that the
// task was kept: the same plugin and log processes, no restart, logs
// written while the agent was down and served whole afterwards.
func taskSurvivesKill9(t *testing.T, a *agentProc, job *api.Job) {
	t.Helper()
	cl := a.client(10 * time.Second)
	if _, _, err := cl.Jobs().Register(job, nil); err != nil {
		t.Fatalf("register: %v", err)
	}
	taskKeptAcrossKill9(t, a, job.ID)
}

// taskKeptAcrossKill9 is taskSurvivesKill9 for a job already registered.
func taskKeptAcrossKill9(t *testing.T, a *agentProc, jobID string) {
	t.Helper()
	var allocID string
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		allocs := jobAllocs(t, a, jobID)
		for _, s := range allocs {
			if s.ClientStatus == "running" {
				allocID = s.ID
				return true, ""
			}
		}
		return false, fmt.Sprintf("allocations by status: %v", countByStatus(allocs))
	})
	before := taskState(t, a, allocID)
	logFile := waitLogFile(t, a.dir, "t.stdout.")
	pluginsBefore := procsUnder(a.dir, "plugin")
	logmonsBefore := procsUnder(a.dir, "logmon")
	if len(pluginsBefore) == 0 || len(logmonsBefore) != 1 {
		t.Fatalf("before the kill: plugin processes %v, log processes %v; want some and one", pluginsBefore, logmonsBefore)
	}

	a.kill9()
	sizeAtKill := fileSize(logFile)
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		n := fileSize(logFile)
		return n > sizeAtKill, fmt.Sprintf("%s: %d bytes, %d at the kill", logFile, n, sizeAtKill)
	})
	t.Logf("task logs kept growing while the agent was down (%s)", logFile)

	a.restart()
	// The logs API answers for the allocation once the client has
	// restored it; everything the task wrote is there, in one piece.
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		body, err := httpGet(a.httpAddr() + "/v1/client/fs/logs/" + allocID + "?task=t&type=stdout&plain=true&origin=start")
		if err != nil {
			return false, err.Error()
		}
		ticks := strings.Count(body, "tick\n")
		return ticks > 0 && strings.ReplaceAll(body, "tick\n", "") == "",
			fmt.Sprintf("%d ticks, body starts %.80q", ticks, body)
	})
	var after *api.TaskState
	waitFor(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
		after = taskState(t, a, allocID)
		return after != nil, "no task state from the restarted server"
	})
	if after.State != "running" || after.Restarts != 0 || !after.StartedAt.Equal(before.StartedAt) {
		t.Fatalf("task not kept: before %+v, after %+v", before, after)
	}
	if got := procsUnder(a.dir, "plugin"); !sameInts(got, pluginsBefore) {
		t.Fatalf("plugin processes changed across the agent restart: before %v, after %v", pluginsBefore, got)
	}
	if got := procsUnder(a.dir, "logmon"); !sameInts(got, logmonsBefore) {
		t.Fatalf("log processes changed across the agent restart: before %v, after %v", logmonsBefore, got)
	}
	sizeAtRestart := fileSize(logFile)
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		n := fileSize(logFile)
		return n > sizeAtRestart, fmt.Sprintf("%s: %d bytes, %d at the restart", logFile, n, sizeAtRestart)
	})
}

// (c) Three servers and two clients: kill -9 of a client (and everything
// it started, as if its machine died) gets its allocations marked lost and
// replaced on the other client within 30 seconds, with short heartbeat
// TTLs configured.
func TestClientLossReplacedOnOtherClient(t *testing.T) {
	took := clientLoss(t, "min_heartbeat_ttl = \"2s\"\n  heartbeat_grace = \"2s\"\n", 30*time.Second)
	t.Logf("node loss: allocations replaced %s after the kill (heartbeat TTL 2s, grace 2s)", took.Round(time.Millisecond))
}

// The same with the default heartbeat settings (TTL 10s plus up to 10s of
// stagger, grace 10s): the figure website/client.md quotes.
func TestClientLossWithDefaultHeartbeats(t *testing.T) {
	took := clientLoss(t, "", 60*time.Second)
	t.Logf("node loss: allocations replaced %s after the kill (default heartbeat settings)", took.Round(time.Millisecond))
}

// clientLoss runs three servers (serverExtra in their server blocks) and
// two clients, kills the client with most of a job's four allocations and
// returns how long until they were lost and replaced on the other, failing
// the test past within.
func clientLoss(t *testing.T, serverExtra string, within time.Duration) time.Duration {
	c := startClusterWith(t, 3, serverOpts{ServerExtra: serverExtra})
	var rpcs []string
	for _, s := range c.servers {
		rpcs = append(rpcs, s.rpcAddr())
	}
	clients := []*agentProc{
		startServer(t, "client-a", 3, serverOpts{ClientOnly: true, ClientServers: rpcs}),
		startServer(t, "client-b", 4, serverOpts{ClientOnly: true, ClientServers: rpcs}),
	}
	s0 := c.servers[0]
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		nodes, _, err := s0.client(5 * time.Second).Nodes().List(nil)
		if err != nil {
			return false, err.Error()
		}
		ready := 0
		for _, n := range nodes {
			if n.Status == "ready" {
				ready++
			}
		}
		return ready == 2, fmt.Sprintf("%d of %d nodes ready", ready, len(nodes))
	})
	job := mockJob("web", api.JobTypeService, 4, map[string]interface{}{"run_for": "1h"})
	if _, _, err := s0.client(10*time.Second).Jobs().Register(job, nil); err != nil {
		t.Fatalf("register: %v", err)
	}
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		n := countByStatus(jobAllocs(t, s0, job.ID))
		return n["running"] == 4, fmt.Sprintf("allocations by status: %v", n)
	})
	// The victim is the client with the most allocations.
	perNode := map[string]int{}
	for _, s := range jobAllocs(t, s0, job.ID) {
		perNode[s.NodeName]++
	}
	victim, other := clients[0], clients[1]
	if perNode["client-b"] > perNode["client-a"] {
		victim, other = other, victim
	}
	lost := perNode[victim.name]
	t.Logf("allocations per node %v; killing %s", perNode, victim.name)

	victim.kill9()
	for _, pid := range straysUnder(victim.dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return waitFor(t, within, 200*time.Millisecond, func() (bool, string) {
		allocs := jobAllocs(t, s0, job.ID)
		lostNow, runningOther := 0, 0
		for _, s := range allocs {
			switch {
			case s.NodeName == victim.name && s.ClientStatus == "lost":
				lostNow++
			case s.NodeName == other.name && s.ClientStatus == "running":
				runningOther++
			}
		}
		return lostNow == lost && runningOther == 4,
			fmt.Sprintf("%d of %d lost on %s, %d of 4 running on %s", lostNow, lost, victim.name, runningOther, other.name)
	})
}

// taskState returns task "t" of allocation id, or nil.
func taskState(t testing.TB, a *agentProc, id string) *api.TaskState {
	t.Helper()
	alloc, _, err := a.client(10*time.Second).Allocations().Info(id, nil)
	if err != nil || alloc == nil {
		return nil
	}
	return alloc.TaskStates["t"]
}

// waitLogFile finds the first file under dir whose name starts with prefix
// in a directory named logs.
func waitLogFile(t testing.TB, dir, prefix string) string {
	t.Helper()
	var found string
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == "logs" && strings.HasPrefix(d.Name(), prefix) && found == "" {
				found = p
			}
			return nil
		})
		return found != "" && fileSize(found) > 0, "no non-empty " + prefix + "* log file under " + dir
	})
	return found
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// procsUnder lists, sorted, the processes started under dir whose command
// line has word as its second argument (`nomadish plugin …`, `nomadish
// logmon …`).
func procsUnder(dir, word string) []int {
	var out []int
	for _, pid := range straysUnder(dir) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 1 && args[1] == word {
			out = append(out, pid)
		}
	}
	sort.Ints(out)
	return out
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), nil
}
