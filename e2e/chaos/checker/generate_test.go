package checker

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// simJob is one job in the simulated table.
type simJob struct {
	exists bool
	token  string
	index  uint64
}

// simulate makes a history of n operations on a linearizable job table:
// every operation takes effect at its own instant (10ns apart, in
// order) and its call and return are scattered up to 30ns either side,
// so up to six operations overlap. Some writes have unknown outcomes and
// took effect or not; stale reads see some earlier state of their job.
// A correct checker must accept every such history.
func simulate(seed int64, n int) []history.Op {
	return simulateUnknown(seed, n, 10)
}

// simulateUnknown is simulate with unknownPercent of the writes given
// unknown outcomes.
func simulateUnknown(seed int64, n, unknownPercent int) []history.Op {
	r := rand.New(rand.NewSource(seed))
	keys := []string{"k0", "k1", "k2"}
	table := map[string]simJob{}
	past := map[string][]simJob{} // every state each job has had, oldest first
	for _, k := range keys {
		past[k] = []simJob{{}}
	}
	var raftIndex uint64
	nextIndex := func() uint64 {
		raftIndex += 1 + uint64(r.Intn(3)) // other entries (evals, nodes) interleave
		return raftIndex
	}
	set := func(k string, j simJob) {
		table[k] = j
		past[k] = append(past[k], j)
	}
	var ops []history.Op
	for i := 1; i <= n; i++ {
		at := int64(i * 10)
		k := keys[r.Intn(len(keys))]
		op := history.Op{Client: i % 5, JobID: k, Call: max(0, at-int64(r.Intn(30))), Return: at + int64(r.Intn(30))}
		cur := table[k]
		unknownOutcome := r.Intn(100) < unknownPercent
		// applies reports whether a write takes effect: always when it
		// is acknowledged, half the time when its outcome is unknown.
		applies := func() bool {
			if unknownOutcome {
				op.Unknown = true
				return r.Intn(2) == 0
			}
			op.OK = true
			return true
		}
		switch p := r.Intn(100); {
		case p < 30: // register
			op.Kind, op.Token = history.Register, fmt.Sprintf("tok-%d", i)
			if applies() {
				j := simJob{true, op.Token, nextIndex()}
				set(k, j)
				if op.OK {
					op.Index = j.index
				}
			}
		case p < 45: // compare-and-set, usually with the right index
			op.Kind, op.Token = history.Register, fmt.Sprintf("tok-%d", i)
			check := cur.index
			if r.Intn(4) == 0 {
				check = cur.index + 1
			}
			op.CheckIndex = &check
			if check != cur.index {
				current := cur.index
				op.CASFailed, op.Err, op.CASCurrent = true, "index mismatch", &current
				break
			}
			if applies() {
				j := simJob{true, op.Token, nextIndex()}
				set(k, j)
				if op.OK {
					op.Index = j.index
				}
			}
		case p < 55: // deregister
			op.Kind = history.Deregister
			if !cur.exists {
				op.Err = "job not found"
				break
			}
			if applies() {
				idx := nextIndex()
				set(k, simJob{})
				if op.OK {
					op.Index = idx
				}
			}
		case p < 80: // read
			op.Kind, op.OK, op.Found = history.Read, true, cur.exists
			if cur.exists {
				op.Entry = history.JobEntry{ID: k, Token: cur.token, ModifyIndex: cur.index}
			}
		case p < 90: // list
			op.Kind, op.OK, op.JobID = history.List, true, ""
			for _, lk := range keys {
				if j := table[lk]; j.exists {
					op.Jobs = append(op.Jobs, history.JobEntry{ID: lk, Token: j.token, ModifyIndex: j.index})
				}
			}
		default: // stale read of some earlier state
			states := past[k]
			j := states[r.Intn(len(states))]
			op.Kind, op.OK, op.Stale, op.Found = history.Read, true, true, j.exists
			if j.exists {
				op.Entry = history.JobEntry{ID: k, Token: j.token, ModifyIndex: j.index}
			}
		}
		ops = append(ops, op)
	}
	return ops
}

func TestCheckJobsAcceptsSimulatedHistories(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		ops := simulate(seed, 400)
		res := CheckJobs(ops, checkTimeout)
		if !res.OK {
			t.Fatalf("seed %d: rejected a linearizable history (timed out %v):\n%s", seed, res.TimedOut, strings.Join(res.Violations, "\n"))
		}
		if res.Ops != len(ops) {
			t.Fatalf("seed %d: Ops = %d, want %d", seed, res.Ops, len(ops))
		}
	}
}

// TestCheckJobsFindsMutations breaks simulated histories in ways a real
// bug would and checks that each is found.
func TestCheckJobsFindsMutations(t *testing.T) {
	mutations := []struct {
		name string
		// mutate changes one operation of ops; it reports false when
		// the history has none it applies to.
		mutate func(ops []history.Op) bool
	}{
		{"a read sees a token no one wrote", func(ops []history.Op) bool {
			for i := len(ops) / 2; i < len(ops); i++ {
				if ops[i].Kind == history.Read && !ops[i].Stale && ops[i].Found {
					ops[i].Entry.Token = "forged"
					return true
				}
			}
			return false
		}},
		{"a read misses a job an acknowledged write left", func(ops []history.Op) bool {
			for i := range ops {
				if ops[i].Kind == history.Read && !ops[i].Stale && ops[i].Found && settled(ops, i) {
					ops[i].Found, ops[i].Entry = false, history.JobEntry{}
					return true
				}
			}
			return false
		}},
		{"a write is answered an old index", func(ops []history.Op) bool {
			for i := len(ops) / 2; i < len(ops); i++ {
				if ops[i].Kind == history.Register && ops[i].OK {
					ops[i].Index = 1
					return true
				}
			}
			return false
		}},
		{"a compare-and-set whose token was read is said refused", func(ops []history.Op) bool {
			for i := len(ops) / 2; i < len(ops); i++ {
				op := ops[i]
				if op.Kind != history.Register || !op.OK || op.CheckIndex == nil {
					continue
				}
				for _, r := range ops[i+1:] {
					if r.Kind == history.Read && !r.Stale && r.Found && r.JobID == op.JobID && r.Entry.Token == op.Token {
						// Tokens are unique, so that read now sees a
						// write that never happened.
						ops[i].OK, ops[i].CASFailed, ops[i].Index = false, true, 0
						return true
					}
				}
			}
			return false
		}},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			for seed := int64(1); seed <= 4; seed++ {
				ops := simulate(seed, 400)
				if !m.mutate(ops) {
					t.Fatalf("seed %d: the history has nothing to mutate", seed)
				}
				if res := CheckJobs(ops, checkTimeout); res.OK || res.TimedOut {
					t.Fatalf("seed %d: accepted a broken history (timed out %v)", seed, res.TimedOut)
				}
			}
		})
	}
}

// settled reports whether the job ops[i] read found was left by an
// acknowledged write that nothing could have purged by the read: every
// deregister of the job that may have taken effect by then was
// acknowledged and returned before that write began. (A register in
// between would change the token, not remove the job.)
func settled(ops []history.Op, i int) bool {
	rd := ops[i]
	var w *history.Op
	for j := range ops {
		if ops[j].Kind == history.Register && ops[j].JobID == rd.JobID && ops[j].Token == rd.Entry.Token {
			w = &ops[j]
		}
	}
	if w == nil || !w.OK || w.Return >= rd.Call {
		return false
	}
	for j := range ops {
		x := ops[j]
		if x.JobID != rd.JobID || !x.OK && !x.Unknown || x.Call > rd.Return ||
			x.Kind != history.Deregister {
			continue
		}
		if !x.OK || x.Return >= w.Call {
			return false
		}
	}
	return true
}
