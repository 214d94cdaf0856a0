package checker

import (
	"fmt"
	"sort"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// maxIndexOrderLines bounds how many index-order violations are listed:
// one bad observation can make every later write look wrong.
const maxIndexOrderLines = 20

// checkIndexOrder checks the Raft indexes writes were given across all
// job IDs, which the per-job model cannot: an index that any operation
// saw (a write's own, a JobModifyIndex a read or list returned, stale or
// not, or one a refused compare-and-set reported) was committed by the time that operation returned, and a write
// that began afterwards is appended after it, so it must get a higher
// index.
//
// A Register whose token another Register also wrote is left out as a
// write: resubmitting an identical job answers the job's old
// JobModifyIndex, not a new one.
func checkIndexOrder(ops []history.Op) []string {
	tokens := map[string]int{}
	for _, op := range ops {
		if op.Kind == history.Register {
			tokens[op.JobID+"\x00"+op.Token]++
		}
	}
	type seen struct {
		n     int
		ret   int64
		index uint64
		key   string
	}
	var obs []seen
	var writes []int
	for n, op := range ops {
		if op.CASFailed && op.CASCurrent != nil && *op.CASCurrent != 0 {
			// The refusal read the job's index on the leader.
			obs = append(obs, seen{n, op.Return, *op.CASCurrent, op.JobID})
		}
		if !op.OK {
			continue
		}
		switch op.Kind {
		case history.Register, history.Deregister:
			if op.Index == 0 {
				continue
			}
			obs = append(obs, seen{n, op.Return, op.Index, op.JobID})
			if op.Kind == history.Deregister || tokens[op.JobID+"\x00"+op.Token] == 1 {
				writes = append(writes, n)
			}
		case history.Read:
			if op.Found && op.Entry.ModifyIndex != 0 {
				obs = append(obs, seen{n, op.Return, op.Entry.ModifyIndex, op.JobID})
			}
		case history.List:
			for _, j := range op.Jobs {
				if j.ModifyIndex != 0 {
					obs = append(obs, seen{n, op.Return, j.ModifyIndex, j.ID})
				}
			}
		}
	}
	sort.SliceStable(obs, func(i, j int) bool { return obs[i].ret < obs[j].ret })
	// best[i] is the highest index among obs[:i+1].
	best := make([]int, len(obs))
	for i := range obs {
		best[i] = i
		if i > 0 && obs[best[i-1]].index >= obs[i].index {
			best[i] = best[i-1]
		}
	}
	var out []string
	extra := 0
	for _, n := range writes {
		w := ops[n]
		// Observations that returned strictly before w was called.
		k := sort.Search(len(obs), func(i int) bool { return obs[i].ret >= w.Call })
		if k == 0 {
			continue
		}
		b := obs[best[k-1]]
		if b.index < w.Index {
			continue
		}
		if len(out) == maxIndexOrderLines {
			extra++
			continue
		}
		out = append(out, fmt.Sprintf("job %q: %s [%s] was given index %d, but index %d (job %q) had been seen by [%s] before it began",
			w.JobID, w.Kind, opMeta{N: n, Client: w.Client, Server: w.Server}, w.Index, b.index, b.key,
			opMeta{N: b.n, Client: ops[b.n].Client, Server: ops[b.n].Server, FromList: ops[b.n].Kind == history.List}))
	}
	if extra > 0 {
		out = append(out, fmt.Sprintf("... and %d more writes given an index below one already seen", extra))
	}
	return out
}
