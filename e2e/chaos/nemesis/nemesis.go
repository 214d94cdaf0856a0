// Package nemesis draws the chaos suite's fault schedules and applies
// them to a cluster. A schedule is a sequence of faults, each held for a
// while and then healed, followed by a quiet gap; it is drawn from a
// seed with math/rand/v2, so the same seed gives the same kinds, timings
// and picks. Which server is the leader when a fault strikes is the
// cluster's doing, not the schedule's: the applied faults, with their
// targets, are reported separately.
//
// Schedules are pure (Generate, String) and tested alone; Run touches
// the cluster and does nothing else.
package nemesis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/e2e/chaos/cluster"
)

// Kind is a kind of fault.
type Kind string

// The faults a schedule draws from.
const (
	LeaderKill         Kind = "leader-kill"          // kill -9 the leader, start it again with its data
	FollowerKill       Kind = "follower-kill"        // kill -9 a follower, start it again with its data
	LeaderPause        Kind = "leader-pause"         // SIGSTOP the leader past the election timeout, then SIGCONT
	LeaderPartition    Kind = "leader-partition"     // cut the leader from every other server
	Split23            Kind = "split-2-3"            // cut 5 servers into 2 and 3 (5-server clusters only)
	RestartWithData    Kind = "restart-with-data"    // stop a server, start it with its data dir
	RestartWithoutData Kind = "restart-without-data" // stop a server, wipe its data dir (a new disk), start it
	ClientKill         Kind = "client-kill"          // kill -9 a client agent, start it again
	ClientPause        Kind = "client-pause"         // SIGSTOP a client agent past its heartbeat TTL
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{LeaderKill, FollowerKill, LeaderPause, LeaderPartition, Split23,
	RestartWithData, RestartWithoutData, ClientKill, ClientPause}

// Step is one fault of a schedule.
type Step struct {
	Kind Kind
	// Hold is how long the fault lasts before it is healed; Gap is the
	// quiet time after the heal, before the next fault.
	Hold, Gap time.Duration
	// Pick chooses among the candidate targets (a follower, a client,
	// the servers on the small side of a split): index Pick modulo their
	// number, in name order.
	Pick uint64
}

// Schedule is a seeded sequence of faults.
type Schedule struct {
	Seed    uint64
	Servers int
	Clients int
	Steps   []Step
}

// Duration is the schedule's length: every hold and gap.
func (s Schedule) Duration() time.Duration {
	var d time.Duration
	for _, st := range s.Steps {
		d += st.Hold + st.Gap
	}
	return d
}

// Generate draws a schedule of about length d for a cluster of servers
// servers and clients client agents. The first fault comes after a quiet
// gap, so that the workload has written something before it.
func Generate(seed uint64, servers, clients int, d time.Duration) Schedule {
	rng := rand.New(rand.NewPCG(seed, 0x6e656d65))
	kinds := []Kind{LeaderKill, FollowerKill, LeaderPause, LeaderPartition, RestartWithData, RestartWithoutData}
	if servers >= 5 {
		kinds = append(kinds, Split23)
	}
	if clients > 0 {
		kinds = append(kinds, ClientKill, ClientPause)
	}
	s := Schedule{Seed: seed, Servers: servers, Clients: clients}
	// A lead-in gap, as a step that does nothing, keeps Steps the only
	// list a replay needs.
	elapsed := time.Duration(0)
	for elapsed < d {
		st := Step{
			Kind: kinds[rng.IntN(len(kinds))],
			// Held 3-8s: past the 1s Raft election timeout and the
			// clients' heartbeat TTL plus grace (4s), so that pauses and
			// partitions cause elections and nodes marked down.
			Hold: time.Duration(3000+rng.IntN(5001)) * time.Millisecond,
			// Healed for 2-5s before the next fault, so that the cluster
			// sometimes recovers and sometimes does not quite.
			Gap:  time.Duration(2000+rng.IntN(3001)) * time.Millisecond,
			Pick: rng.Uint64(),
		}
		s.Steps = append(s.Steps, st)
		elapsed += st.Hold + st.Gap
	}
	return s
}

// String is the schedule, one step a line, as a failure prints it.
func (s Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "schedule seed=%d servers=%d clients=%d (%s):\n", s.Seed, s.Servers, s.Clients, s.Duration().Round(time.Second))
	at := time.Duration(0)
	for i, st := range s.Steps {
		fmt.Fprintf(&b, "  %2d. at %5.1fs %-21s hold %4.1fs gap %3.1fs pick %d\n", i+1, at.Seconds(), st.Kind,
			st.Hold.Seconds(), st.Gap.Seconds(), st.Pick%97)
		at += st.Hold + st.Gap
	}
	return b.String()
}

// Applied is one fault as it was applied: its step, its targets and when
// (since Run began).
type Applied struct {
	Step    int
	Kind    Kind
	Targets []string
	At      time.Duration
	// Err is what went wrong applying or healing it, if anything.
	Err string
}

func (a Applied) String() string {
	s := fmt.Sprintf("%5.1fs %-21s %s", a.At.Seconds(), a.Kind, strings.Join(a.Targets, ","))
	if a.Err != "" {
		s += " (" + a.Err + ")"
	}
	return s
}

// Run applies the schedule's steps to c in order until they are done or
// ctx ends, healing each fault after its hold; logf gets a line per
// fault. It returns the faults applied. The caller heals whatever is
// left when ctx ends early (cluster.HealAll).
func Run(ctx context.Context, c *cluster.Cluster, s Schedule, logf func(string, ...any)) []Applied {
	start := time.Now()
	var out []Applied
	for i, st := range s.Steps {
		if ctx.Err() != nil {
			break
		}
		if i == 0 {
			// The workload gets a quiet start before the first fault.
			if !sleep(ctx, st.Gap) {
				break
			}
		}
		a := Applied{Step: i + 1, Kind: st.Kind, At: time.Since(start)}
		heal, targets, err := inject(c, st)
		a.Targets = targets
		if err != nil {
			a.Err = err.Error()
		}
		logf("nemesis: %s", a)
		sleep(ctx, st.Hold)
		if heal != nil {
			if err := heal(); err != nil {
				a.Err = strings.TrimPrefix(a.Err+"; heal: "+err.Error(), "; ")
				logf("nemesis: heal of step %d failed: %v", i+1, err)
			}
		}
		out = append(out, a)
		if i > 0 || len(s.Steps) == 1 {
			sleep(ctx, st.Gap)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// inject applies one step and returns how to heal it and its targets.
func inject(c *cluster.Cluster, st Step) (heal func() error, targets []string, err error) {
	pick := func(as []*cluster.Agent) *cluster.Agent {
		if len(as) == 0 {
			return nil
		}
		sorted := append([]*cluster.Agent(nil), as...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		return sorted[st.Pick%uint64(len(sorted))]
	}
	leader := c.Leader()
	if leader == nil {
		// No leader right now (the last fault's election is still
		// running): a pick among the servers stands in for it.
		leader = pick(c.Servers)
	}
	var followers []*cluster.Agent
	for _, s := range c.Servers {
		if s != leader {
			followers = append(followers, s)
		}
	}
	restart := func(a *cluster.Agent) func() error {
		return func() error {
			if a.Running() {
				return nil
			}
			return a.Start()
		}
	}
	switch st.Kind {
	case LeaderKill:
		return restart(leader), []string{leader.Name}, leader.Kill()
	case FollowerKill:
		f := pick(followers)
		return restart(f), []string{f.Name}, f.Kill()
	case LeaderPause:
		return leader.Resume, []string{leader.Name}, leader.Pause()
	case LeaderPartition:
		one := []*cluster.Agent{leader}
		return func() error { return c.HealPartition(one, followers) }, []string{leader.Name}, c.Partition(one, followers)
	case Split23:
		// The small side: two servers chosen by the pick, so that it
		// holds the leader about two times in five.
		sorted := append([]*cluster.Agent(nil), c.Servers...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		i := int(st.Pick % uint64(len(sorted)))
		small := []*cluster.Agent{sorted[i], sorted[(i+1)%len(sorted)]}
		var big []*cluster.Agent
		for _, s := range sorted {
			if s != small[0] && s != small[1] {
				big = append(big, s)
			}
		}
		names := []string{small[0].Name + "+" + small[1].Name, "|"}
		for _, s := range big {
			names = append(names, s.Name)
		}
		return func() error { return c.HealPartition(small, big) }, names, c.Partition(small, big)
	case RestartWithData:
		s := pick(c.Servers)
		return restart(s), []string{s.Name}, s.Kill()
	case RestartWithoutData:
		s := pick(c.Servers)
		if err := s.Kill(); err != nil {
			return restart(s), []string{s.Name}, err
		}
		return restart(s), []string{s.Name}, s.WipeData()
	case ClientKill:
		cl := pick(c.Clients)
		return restart(cl), []string{cl.Name}, cl.Kill()
	case ClientPause:
		cl := pick(c.Clients)
		return cl.Resume, []string{cl.Name}, cl.Pause()
	}
	return nil, nil, fmt.Errorf("unknown fault kind %q", st.Kind)
}

// Counts counts applied faults by kind.
func Counts(applied []Applied) map[Kind]int {
	out := map[Kind]int{}
	for _, a := range applied {
		out[a.Kind]++
	}
	return out
}
