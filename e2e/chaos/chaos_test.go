//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/e2e/chaos/checker"
	"github.com/nomadish/nomadish/e2e/chaos/cluster"
	"github.com/nomadish/nomadish/e2e/chaos/history"
	"github.com/nomadish/nomadish/e2e/chaos/nemesis"
	"github.com/nomadish/nomadish/e2e/chaos/workload"
)

// The suite's settings, from the environment (see `make chaos`).
type settings struct {
	seed     uint64        // CHAOS_SEED: the first schedule's seed (default: random, printed)
	total    time.Duration // CHAOS_TIME: how long to keep running schedules (default 2m)
	schedule time.Duration // CHAOS_SCHEDULE: faults per schedule (default 45s)
	servers  int           // CHAOS_SERVERS: 3 or 5 (default 3)
	clients  int           // CHAOS_CLIENTS: client agents (default 2)
	out      string        // CHAOS_OUT: where a failing run's history is kept
	require  bool          // CHAOS_REQUIRE=1: a machine that cannot run the suite fails it, not skips it
}

func loadSettings(t *testing.T) settings {
	s := settings{total: 2 * time.Minute, schedule: 45 * time.Second, servers: 3, clients: 2,
		out: filepath.Join(os.TempDir(), "nomadish-chaos"), require: os.Getenv("CHAOS_REQUIRE") == "1"}
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: want an unsigned integer", v)
		}
		s.seed = n
	} else {
		s.seed = rand.Uint64() % 1_000_000_000
	}
	for _, d := range []struct {
		env string
		to  *time.Duration
	}{{"CHAOS_TIME", &s.total}, {"CHAOS_SCHEDULE", &s.schedule}} {
		if v := os.Getenv(d.env); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p <= 0 {
				t.Fatalf("%s=%q: want a positive duration such as 2m or 45s", d.env, v)
			}
			*d.to = p
		}
	}
	for _, n := range []struct {
		env      string
		to       *int
		min, max int
	}{{"CHAOS_SERVERS", &s.servers, 3, 5}, {"CHAOS_CLIENTS", &s.clients, 0, 5}} {
		if v := os.Getenv(n.env); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil || p < n.min || p > n.max || (n.env == "CHAOS_SERVERS" && p != 3 && p != 5) {
				t.Fatalf("%s=%q: want %d to %d (servers: 3 or 5)", n.env, v, n.min, n.max)
			}
			*n.to = p
		}
	}
	if v := os.Getenv("CHAOS_OUT"); v != "" {
		s.out = v
	}
	return s
}

// runReport is what one schedule did and found.
type runReport struct {
	seed       uint64
	ops        int
	opCounts   map[string]int
	faults     map[nemesis.Kind]int
	violations []string
	timedOut   bool
}

// TestChaos runs seeded schedules one after another, each on a fresh
// cluster, until CHAOS_TIME is spent, and fails with the seed of every
// schedule whose history or end state shows a violation.
func TestChaos(t *testing.T) {
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
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		t.Fatalf("no nomadish binary at %s (NOMADISH_BIN=%q): run `make chaos`", bin, os.Getenv("NOMADISH_BIN"))
	}
	t.Logf("chaos: CHAOS_SEED=%d CHAOS_TIME=%s CHAOS_SCHEDULE=%s CHAOS_SERVERS=%d CHAOS_CLIENTS=%d",
		s.seed, s.total, s.schedule, s.servers, s.clients)

	start := time.Now()
	var reports []runReport
	for i := 0; i == 0 || time.Since(start)+s.schedule+45*time.Second < s.total; i++ {
		seed := s.seed + uint64(i)
		var rep runReport
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { rep = runSchedule(t, s, bin, seed) })
		reports = append(reports, rep)
		if !ok && rep.ops == 0 {
			break // the harness itself failed; more schedules would too
		}
	}

	ops, violations, faults := 0, 0, map[nemesis.Kind]int{}
	var bad []string
	for _, r := range reports {
		ops += r.ops
		violations += len(r.violations)
		for k, v := range r.faults {
			faults[k] += v
		}
		if len(r.violations) > 0 {
			bad = append(bad, strconv.FormatUint(r.seed, 10))
		}
	}
	t.Logf("chaos summary: %d schedules, %d operations, %d faults (%s), %d violations%s in %s",
		len(reports), ops, sum(faults), faultString(faults), violations,
		map[bool]string{true: " (seeds " + strings.Join(bad, ", ") + ")", false: ""}[len(bad) > 0],
		time.Since(start).Round(time.Second))
}

func runSchedule(t *testing.T, s settings, bin string, seed uint64) runReport {
	rep := runReport{seed: seed}
	sched := nemesis.Generate(seed, s.servers, s.clients, s.schedule)
	t.Logf("%s", sched)
	c, err := cluster.Start(cluster.Config{Bin: bin, Dir: t.TempDir(), Servers: s.servers, Clients: s.clients,
		Run: strconv.FormatUint(seed%1_000_000, 10)})
	if err != nil {
		if errors.Is(err, cluster.ErrUnsupported) && !s.require {
			t.Skipf("skipping: %v", err)
		}
		t.Fatalf("start cluster (seed %d): %v", seed, err)
	}
	t.Cleanup(c.Close)
	t.Cleanup(func() {
		if t.Failed() {
			for _, a := range c.All() {
				t.Logf("%s log (%s) tail:\n%s", a.Name, a.LogPath(), a.LogTail())
			}
		}
	})
	if took, err := c.WaitHealthy(90 * time.Second); err != nil {
		t.Fatalf("seed %d: new cluster: %v", seed, err)
	} else {
		t.Logf("cluster healthy %s after start", took.Round(time.Millisecond))
	}

	var httpAddrs []string
	for _, srv := range c.Servers {
		httpAddrs = append(httpAddrs, srv.HTTPAddr())
	}
	rec := history.NewRecorder(time.Now)
	stats := &workload.Stats{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wcfg := workload.Config{Servers: httpAddrs, Seed: seed}
	wg.Add(2)
	go func() { defer wg.Done(); workload.RunJobs(ctx, wcfg, rec, stats) }()
	go func() {
		defer wg.Done()
		workload.RunNodes(ctx, workload.NodeConfig{Servers: c.ServerRPCAddrs(), Seed: seed}, 100, rec, stats)
	}()
	applied := nemesis.Run(ctx, c, sched, t.Logf)
	rep.faults = nemesis.Counts(applied)

	// Heal everything, let the workload run a little on the healed
	// cluster (so that the history ends with answers from it), stop it.
	if err := c.HealAll(); err != nil {
		t.Errorf("seed %d: heal: %v", seed, err)
	}
	time.Sleep(3 * time.Second)
	cancel()
	wg.Wait()
	ops := rec.Ops()
	rep.ops, rep.opCounts = len(ops), stats.Counts()

	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		rep.violations = append(rep.violations, msg)
		t.Errorf("seed %d: %s", seed, msg)
	}
	if took, err := c.WaitHealthy(2 * time.Minute); err != nil {
		fail("cluster did not recover after the schedule: %v", err)
	} else {
		t.Logf("cluster healthy %s after the heal", took.Round(time.Millisecond))
	}

	// Every server's state, read once the cluster is healthy again.
	var states []checker.ServerState
	var final []history.JobEntry
	for _, srv := range c.Servers {
		st, err := collectState(srv, "chaos-", 30)
		if err != nil {
			fail("collect state: %v", err)
			continue
		}
		states = append(states, st)
		final = append(final, st.Jobs...)
	}
	// Lists carry no tokens on the wire; they are filled in from the
	// writes and reads that saw the same JobModifyIndex.
	for _, c := range workload.ResolveListTokens(ops, final...) {
		fail("one index, two jobs: %s", c)
	}
	res := checker.CheckJobs(ops, time.Minute)
	rep.timedOut = res.TimedOut
	for _, v := range res.Violations {
		fail("linearizability: %s", v)
	}
	if res.TimedOut {
		t.Logf("seed %d: the linearizability search timed out (not a violation)", seed)
	}
	if len(states) == len(c.Servers) {
		for _, v := range checker.CheckEndState(states, ops) {
			fail("end state: %s", v)
		}
	}

	t.Logf("seed %d: %d operations (%s); faults %s; %d violations", seed, len(ops), countString(rep.opCounts),
		faultString(rep.faults), len(rep.violations))
	for _, a := range applied {
		t.Logf("  applied %s", a)
	}
	t.Logf("  commonest errors: %s", commonErrors(ops, 6))
	if len(rep.violations) > 0 {
		keep(t, s.out, seed, sched, ops, &res)
	}
	return rep
}

// keep writes a failing run's history, schedule and visualization under
// out/seed-N, which outlives the test, and says where.
func keep(t *testing.T, out string, seed uint64, sched nemesis.Schedule, ops []history.Op, res *checker.Result) {
	dir := filepath.Join(out, fmt.Sprintf("seed-%d", seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("keep history: %v", err)
		return
	}
	f, err := os.Create(filepath.Join(dir, "history.jsonl"))
	if err == nil {
		err = history.WriteJSON(f, ops)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Errorf("keep history: %v", err)
	}
	_ = os.WriteFile(filepath.Join(dir, "schedule.txt"), []byte(sched.String()), 0o644)
	if !res.OK {
		if err := res.WriteVisualization(dir); err != nil {
			t.Errorf("write visualization: %v", err)
		}
	}
	t.Logf("seed %d: history, schedule and visualization kept in %s; rerun with CHAOS_SEED=%d CHAOS_TIME=1s CHAOS_SERVERS=%d make chaos",
		seed, dir, seed, sched.Servers)
}

func sum(m map[nemesis.Kind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func faultString(m map[nemesis.Kind]int) string {
	var parts []string
	for _, k := range nemesis.Kinds {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func countString(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// commonErrors names the n commonest error texts of failed and unknown
// calls (their first 90 characters), so that a run shows what the faults
// did to the clients.
func commonErrors(ops []history.Op, n int) string {
	count := map[string]int{}
	for _, op := range ops {
		if op.Err != "" {
			e := op.Err
			if len(e) > 90 {
				e = e[:90]
			}
			count[string(op.Kind)+": "+e]++
		}
	}
	var keys []string
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return count[keys[i]] > count[keys[j]] || count[keys[i]] == count[keys[j]] && keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%dx %q", count[k], k))
	}
	return strings.Join(parts, "; ")
}
