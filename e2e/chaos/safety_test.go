//go:build chaos

package chaos

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/e2e/chaos/cluster"
)

// The scheduler-safety scenario's shape and the bounds it is held to.
const (
	safetyServers = 3
	safetyClients = 3
	safetyRounds  = 6  // jobs registered, each followed by a leader kill
	safetyCount   = 12 // allocations per job: four per client
	// returnWindow is the documented bound on how long a client that
	// comes back after its allocations were replaced may keep running
	// them: its first heartbeat tells it the node was down, it fetches
	// the allocations' stop and kills the tasks (mock tasks stop at
	// once; kill_timeout bounds others). website/reliability.md says so.
	returnWindow = 15 * time.Second
	// failoverTTL is the TTL a new leader gives each node until it hears
	// from it (failover_heartbeat_ttl, 5m by default): short here, so
	// that the client paused soon after the last leader kill is marked
	// down within the test.
	failoverTTL = 5 * time.Second
	// safetyWait bounds every wait for the cluster to settle.
	safetyWait = 90 * time.Second
)

// TestChaosSchedulerSafety runs real tasks (the mock driver, in each
// client's driver plugin process) through the two faults that could make
// a group run more copies than its count: the leader killed with -9 while
// it schedules and commits a plan, and a client paused (SIGSTOP) until its
// node is marked down and its allocations replaced, then resumed.
//
// The copies are counted from what the tasks did, not from what the
// servers decided: each allocation's task started and finished at the
// times its client recorded (one machine, one clock). At no moment may a
// group run more copies than its count, except while a paused client's
// tasks run on unseen and for at most returnWindow after it is resumed;
// at the end every job runs exactly count copies, one per name, on ready
// nodes, and every server holds every job.
func TestChaosSchedulerSafety(t *testing.T) {
	s := loadSettings(t)
	if err := cluster.Preflight(); err != nil {
		if s.require {
			t.Fatalf("the chaos suite cannot run here and CHAOS_REQUIRE=1: %v", err)
		}
		t.Skipf("skipping the chaos suite: %v", err)
	}
	bin := os.Getenv("NOMADISH_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "nomadish")
	}
	bin, _ = filepath.Abs(bin)
	seed := s.seed
	rng := rand.New(rand.NewPCG(seed, 0x5afe))
	t.Logf("scheduler safety: CHAOS_SEED=%d", seed)

	c, err := cluster.Start(cluster.Config{Bin: bin, Dir: t.TempDir(), Servers: safetyServers, Clients: safetyClients,
		Run: fmt.Sprintf("sf%d", seed%10_000), FailoverHeartbeatTTL: failoverTTL})
	if err != nil {
		if errors.Is(err, cluster.ErrUnsupported) && !s.require {
			t.Skipf("skipping: %v", err)
		}
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(c.Close)
	t.Cleanup(func() {
		if t.Failed() {
			for _, a := range c.All() {
				t.Logf("%s log (%s) tail:\n%s", a.Name, a.LogPath(), a.LogTail())
			}
		}
	})
	if _, err := c.WaitHealthy(safetyWait); err != nil {
		t.Fatalf("new cluster: %v", err)
	}

	// 1. Leader kills while a plan is scheduled and committed. The
	// register returns once the job and its evaluation are committed;
	// the leader's worker then plans the placements and the plan applier
	// commits them, which on this machine takes some tens of milliseconds
	// (the log says, each round, whether the plan had committed). The kill
	// lands at a seeded delay of 0-100ms, a different point of the plan's
	// path each round: before the worker dequeues, while it plans, while
	// the plan's Raft entry is on its way to the followers, after.
	var jobs []string
	for r := range safetyRounds {
		id := fmt.Sprintf("safety-%d", r)
		leader := c.Leader()
		if leader == nil {
			t.Fatalf("round %d: no leader", r)
		}
		follower := someFollower(c, leader)
		delay := time.Duration(rng.IntN(100)) * time.Millisecond
		if _, _, err := follower.Client(10*time.Second).Jobs().Register(safetyJob(id), nil); err != nil {
			t.Fatalf("round %d: register %s through %s: %v", r, id, follower.Name, err)
		}
		jobs = append(jobs, id)
		time.Sleep(delay)
		if err := leader.Kill(); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		t.Logf("round %d: registered %s through %s, killed leader %s %s later", r, id, follower.Name, leader.Name, delay)
		waitLeader(t, c, leader)
		placed := 0
		if allocs, err := leaderAllocs(c, id); err == nil {
			placed = len(allocs)
		}
		t.Logf("round %d: the new leader holds %d of %s's %d allocations (fewer: the kill came before the plan committed)",
			r, placed, id, safetyCount)
		if err := leader.Start(); err != nil {
			t.Fatalf("round %d: restart %s: %v", r, leader.Name, err)
		}
		if _, err := c.WaitHealthy(safetyWait); err != nil {
			t.Fatalf("round %d: after the leader kill: %v", r, err)
		}
	}
	waitRunning(t, c, jobs, "after the leader kills")

	// 2. A client paused until the servers have marked its node down and
	// run replacements for its allocations elsewhere, then resumed.
	victim := busiestClient(t, c, jobs)
	pausedAt := time.Now()
	if err := victim.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Logf("paused client %s", victim.Name)
	waitFor(t, safetyWait, "replacements of "+victim.Name+"'s allocations running elsewhere", func() (bool, string) {
		return runningElsewhere(c, jobs, victim.Name)
	})
	resumedAt := time.Now()
	if err := victim.Resume(); err != nil {
		t.Fatal(err)
	}
	t.Logf("resumed client %s %s after the pause", victim.Name, resumedAt.Sub(pausedAt).Round(time.Millisecond))
	if _, err := c.WaitHealthy(safetyWait); err != nil {
		t.Fatalf("after the client pause: %v", err)
	}
	waitFor(t, safetyWait, victim.Name+" to stop the allocations it lost", func() (bool, string) {
		return lostStopped(c, jobs, victim.Name)
	})
	waitRunning(t, c, jobs, "at the end")

	// 3. The checks.
	allowed := []window{{from: pausedAt, to: resumedAt.Add(returnWindow), why: "client " + victim.Name + " paused"}}
	now := time.Now()
	leader := c.Leader()
	var worst time.Duration
	for _, id := range jobs {
		allocs, _, err := leader.Client(10*time.Second).Jobs().Allocations(id, nil)
		if err != nil {
			t.Fatalf("allocations of %s: %v", id, err)
		}
		over := overCount(runIntervals(allocs, now), safetyCount)
		for _, o := range over {
			if !o.within(allowed) {
				t.Errorf("job %s ran %d copies (count %d) from %s for %s, outside every allowed window (%v)",
					id, o.copies, safetyCount, o.from.Format("15:04:05.000"), o.to.Sub(o.from).Round(time.Millisecond), allowed)
			}
			if d := o.to.Sub(resumedAt); o.to.After(resumedAt) && d > worst {
				worst = d
			}
		}
		if len(over) > 0 {
			t.Logf("job %s: %s", id, overString(over, pausedAt))
		}
	}
	t.Logf("extra copies outlived the client's return by %s at most (allowed %s)", worst.Round(time.Millisecond), returnWindow)
	for _, srv := range c.Servers {
		for _, id := range jobs {
			if _, _, err := srv.Client(10*time.Second).Jobs().Info(id, &api.QueryOptions{AllowStale: true}); err != nil {
				t.Errorf("server %s lost job %s: %v", srv.Name, id, err)
			}
		}
	}
}

// safetyJob is a service job of safetyCount long-running mock tasks, one
// of them per node at most four, so that every client holds some.
func safetyJob(id string) *api.Job {
	return &api.Job{
		ID:          id,
		Type:        api.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*api.TaskGroup{{
			Name:          "g",
			Count:         safetyCount,
			EphemeralDisk: &api.EphemeralDisk{SizeMB: 10},
			Spreads:       []*api.Spread{{Attribute: "${node.unique.id}", Weight: 50}},
			Tasks: []*api.Task{{
				Name:      "t",
				Driver:    "mock",
				Config:    map[string]interface{}{"run_for": "1h"},
				Resources: &api.Resources{CPU: 10, MemoryMB: 10},
			}},
		}},
	}
}

// someFollower is a running server other than leader.
func someFollower(c *cluster.Cluster, leader *cluster.Agent) *cluster.Agent {
	for _, s := range c.Servers {
		if s != leader && s.Running() && !s.Paused() {
			return s
		}
	}
	return leader
}

// waitLeader waits until the servers other than old agree on a leader.
func waitLeader(t *testing.T, c *cluster.Cluster, old *cluster.Agent) {
	t.Helper()
	waitFor(t, safetyWait, "a new leader", func() (bool, string) {
		l := c.Leader()
		return l != nil && l != old, fmt.Sprintf("leader %v", l)
	})
}

// waitFor polls cond every 250ms until it holds, failing the test after
// timeout with cond's last word.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, msg := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting %s for %s: %s", timeout, what, msg)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// leaderAllocs lists a job's allocations from the leader.
func leaderAllocs(c *cluster.Cluster, id string) ([]*api.AllocationListStub, error) {
	l := c.Leader()
	if l == nil {
		return nil, errors.New("no leader")
	}
	allocs, _, err := l.Client(5*time.Second).Jobs().Allocations(id, nil)
	return allocs, err
}

// waitRunning waits until every job runs exactly safetyCount allocations,
// each under its own name, none on a node that is not ready.
func waitRunning(t *testing.T, c *cluster.Cluster, jobs []string, when string) {
	t.Helper()
	waitFor(t, safetyWait, "every job to run its count "+when, func() (bool, string) {
		l := c.Leader()
		if l == nil {
			return false, "no leader"
		}
		nodes, _, err := l.Client(5 * time.Second).Nodes().List(nil)
		if err != nil {
			return false, err.Error()
		}
		ready := map[string]bool{}
		for _, n := range nodes {
			ready[n.ID] = n.Status == "ready"
		}
		for _, id := range jobs {
			allocs, err := leaderAllocs(c, id)
			if err != nil {
				return false, err.Error()
			}
			names := map[string]int{}
			running := 0
			for _, a := range allocs {
				if a.DesiredStatus != "run" || a.ClientStatus != "running" {
					continue
				}
				if !ready[a.NodeID] {
					return false, fmt.Sprintf("%s: allocation %s runs on node %s, which is not ready", id, a.ID, a.NodeName)
				}
				names[a.Name]++
				running++
			}
			if running != safetyCount || len(names) != safetyCount {
				return false, fmt.Sprintf("%s: %d running under %d names, want %d", id, running, len(names), safetyCount)
			}
		}
		return true, ""
	})
}

// busiestClient is the client agent running the most of the jobs'
// allocations.
func busiestClient(t *testing.T, c *cluster.Cluster, jobs []string) *cluster.Agent {
	t.Helper()
	n := map[string]int{}
	for _, id := range jobs {
		allocs, err := leaderAllocs(c, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range allocs {
			if a.ClientStatus == "running" {
				n[a.NodeName]++
			}
		}
	}
	best := c.Clients[0]
	for _, cl := range c.Clients {
		if n[cl.Name] > n[best.Name] {
			best = cl
		}
	}
	if n[best.Name] == 0 {
		t.Fatalf("no client runs any allocation: %v", n)
	}
	return best
}

// runningElsewhere reports whether every job runs its count on nodes
// other than the paused client's.
func runningElsewhere(c *cluster.Cluster, jobs []string, paused string) (bool, string) {
	for _, id := range jobs {
		allocs, err := leaderAllocs(c, id)
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, a := range allocs {
			if a.NodeName != paused && a.DesiredStatus == "run" && a.ClientStatus == "running" {
				n++
			}
		}
		if n < safetyCount {
			return false, fmt.Sprintf("%s runs %d of %d elsewhere", id, n, safetyCount)
		}
	}
	return true, ""
}

// lostStopped reports whether every allocation on the returned client's
// node that the servers replaced has a finished task.
func lostStopped(c *cluster.Cluster, jobs []string, client string) (bool, string) {
	for _, id := range jobs {
		allocs, err := leaderAllocs(c, id)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range allocs {
			if a.NodeName != client || a.DesiredStatus == "run" {
				continue
			}
			if ts := a.TaskStates["t"]; ts != nil && !ts.StartedAt.IsZero() && ts.FinishedAt.IsZero() {
				return false, fmt.Sprintf("%s: allocation %s (%s, client status %s) has a task that has not finished", id, a.ID, a.Name, a.ClientStatus)
			}
		}
	}
	return true, ""
}

// interval is one allocation's task running, from its clients' record.
type interval struct {
	alloc    string
	from, to time.Time
}

// runIntervals are the times the allocations' tasks ran: from StartedAt
// to FinishedAt, or to now for a task still running.
func runIntervals(allocs []*api.AllocationListStub, now time.Time) []interval {
	var out []interval
	for _, a := range allocs {
		ts := a.TaskStates["t"]
		if ts == nil || ts.StartedAt.IsZero() {
			continue
		}
		to := ts.FinishedAt
		if to.IsZero() {
			to = now
		}
		out = append(out, interval{alloc: a.ID, from: ts.StartedAt, to: to})
	}
	return out
}

// excess is a span during which more than count copies ran.
type excess struct {
	from, to time.Time
	copies   int // the most that ran at once in the span
}

type window struct {
	from, to time.Time
	why      string
}

func (w window) String() string {
	return fmt.Sprintf("%s %s-%s", w.why, w.from.Format("15:04:05.000"), w.to.Format("15:04:05.000"))
}

func (e excess) within(ws []window) bool {
	for _, w := range ws {
		if !e.from.Before(w.from) && !e.to.After(w.to) {
			return true
		}
	}
	return false
}

// overCount sweeps the intervals in time order and returns the spans
// during which more than count of them overlapped.
func overCount(ivs []interval, count int) []excess {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, iv := range ivs {
		edges = append(edges, edge{iv.from, +1}, edge{iv.to, -1})
	}
	// Ends before starts at the same instant: a task that stops as its
	// replacement starts is not an extra copy.
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	var out []excess
	var open *excess
	n := 0
	for _, e := range edges {
		n += e.delta
		switch {
		case n > count && open == nil:
			open = &excess{from: e.at, copies: n}
		case n > count:
			open.copies = max(open.copies, n)
		case open != nil:
			open.to = e.at
			out = append(out, *open)
			open = nil
		}
	}
	return out
}

func overString(over []excess, base time.Time) string {
	var parts []string
	for _, o := range over {
		parts = append(parts, fmt.Sprintf("%d copies from +%s for %s", o.copies,
			o.from.Sub(base).Round(time.Millisecond), o.to.Sub(o.from).Round(time.Millisecond)))
	}
	return "over count: " + strings.Join(parts, "; ") + " (times from the pause)"
}
