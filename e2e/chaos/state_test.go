//go:build chaos

package chaos

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/e2e/chaos/checker"
	"github.com/nomadish/nomadish/e2e/chaos/cluster"
	"github.com/nomadish/nomadish/e2e/chaos/history"
	"github.com/nomadish/nomadish/e2e/chaos/workload"
)

// collectState reads what server s holds, each read local (?stale), and
// its applied index. Background writes go on after a run (evaluations,
// client updates, nodes marked down), so the reads are taken between two
// readings of the applied index and kept only when the index did not
// move: then they are all of one index. Up to attempts tries.
func collectState(s *cluster.Agent, prefix string, attempts int) (checker.ServerState, error) {
	var last error
	for range attempts {
		before, err := s.Raft()
		if err != nil {
			return checker.ServerState{}, err
		}
		st, err := readState(s, prefix)
		if err != nil {
			last = err
			continue
		}
		after, err := s.Raft()
		if err != nil {
			return checker.ServerState{}, err
		}
		if after.AppliedIndex == before.AppliedIndex {
			st.Index = before.AppliedIndex
			return st, nil
		}
		last = fmt.Errorf("applied index of %s moved from %d to %d during the reads", s.Name, before.AppliedIndex, after.AppliedIndex)
		time.Sleep(100 * time.Millisecond)
	}
	return checker.ServerState{}, fmt.Errorf("state of %s: no quiet moment in %d tries: %w", s.Name, attempts, last)
}

func readState(s *cluster.Agent, prefix string) (checker.ServerState, error) {
	cl := s.Client(5 * time.Second)
	q := &api.QueryOptions{AllowStale: true}
	st := checker.ServerState{Server: s.Name}

	jobs, _, err := cl.Jobs().List(&api.QueryOptions{AllowStale: true, Prefix: prefix})
	if err != nil {
		return st, fmt.Errorf("list jobs on %s: %w", s.Name, err)
	}
	for _, j := range jobs {
		job, _, err := cl.Jobs().Info(j.ID, q)
		if err != nil {
			return st, fmt.Errorf("read job %s on %s: %w", j.ID, s.Name, err)
		}
		st.Jobs = append(st.Jobs, history.JobEntry{ID: job.ID, Token: job.Meta[workload.TokenMeta], ModifyIndex: job.JobModifyIndex})
	}
	sort.Slice(st.Jobs, func(i, k int) bool { return st.Jobs[i].ID < st.Jobs[k].ID })

	allocs, _, err := cl.Allocations().List(q)
	if err != nil {
		return st, fmt.Errorf("list allocations on %s: %w", s.Name, err)
	}
	for _, a := range allocs {
		st.Allocs = append(st.Allocs, checker.Alloc{ID: a.ID, JobID: a.JobID, TaskGroup: a.TaskGroup, Name: a.Name,
			NodeID: a.NodeID, JobVersion: a.JobVersion, CreateIndex: a.CreateIndex, ModifyIndex: a.ModifyIndex,
			DesiredStatus: a.DesiredStatus, ClientStatus: a.ClientStatus})
	}
	sort.Slice(st.Allocs, func(i, k int) bool { return st.Allocs[i].ID < st.Allocs[k].ID })

	nodes, _, err := cl.Nodes().List(q)
	if err != nil {
		return st, fmt.Errorf("list nodes on %s: %w", s.Name, err)
	}
	for _, n := range nodes {
		node, _, err := cl.Nodes().Info(n.ID, q)
		if err != nil {
			return st, fmt.Errorf("read node %s on %s: %w", n.ID, s.Name, err)
		}
		st.Nodes = append(st.Nodes, checker.Node{ID: node.ID, Status: node.Status, Down: downIntervals(node)})
	}
	sort.Slice(st.Nodes, func(i, k int) bool { return st.Nodes[i].ID < st.Nodes[k].ID })
	return st, nil
}

// downIntervals reads from a node's events (the server keeps its last
// ten) the Raft index ranges during which it was down. An interval
// starts at an event that took the node down (a missed heartbeat, a
// status change to down) and ends at the next event that brought it
// back ("changed from down to ..."). A re-registration brings a node
// back without an event, so an interval whose end is not recorded is
// narrowed to its first index: the check then holds the node down only
// when it surely was, and misses what it cannot know rather than
// accusing the scheduler of what it did not do.
func downIntervals(n *api.Node) []checker.IndexRange {
	var out []checker.IndexRange
	var open *checker.IndexRange
	for _, e := range n.Events {
		msg := strings.ToLower(e.Message)
		down := strings.Contains(msg, "heartbeat missed") && !strings.Contains(msg, "unknown until") ||
			strings.HasSuffix(msg, " to down")
		up := strings.Contains(msg, "changed from down to") || strings.Contains(msg, "registered")
		switch {
		case down && open == nil && e.CreateIndex > 0:
			open = &checker.IndexRange{From: e.CreateIndex}
		case up && open != nil:
			open.To = e.CreateIndex
			out = append(out, *open)
			open = nil
		case open != nil && e.CreateIndex > open.From:
			// Another event while down ("changed from initializing to
			// ready", a drain): the node came back silently somewhere
			// before it, by a re-registration, which records no event.
			// Only its first index is sure.
			open.To = open.From + 1
			out = append(out, *open)
			open = nil
		}
	}
	if open != nil {
		if n.Status != "down" {
			open.To = open.From + 1
		}
		out = append(out, *open)
	}
	return out
}
