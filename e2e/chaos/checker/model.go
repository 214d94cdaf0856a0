package checker

import (
	"fmt"
	"hash/fnv"

	"github.com/anishathalye/porcupine"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// jobState is what the model knows about one job ID.
//
// Index is 0 when the job exists but its JobModifyIndex is not known: a
// Register whose outcome was unknown (or that returned no index) took
// effect. The first read that sees the job fixes it.
//
// Floor is the highest Raft index this job ID is known to have reached
// (its writes' JobModifyIndexes and purges' indexes). Raft hands out
// indexes in commit order and a linearizable job table applies its writes
// in that order, so a new write's index must exceed Floor. Floor is a
// lower bound: writes whose index was never seen do not raise it.
type jobState struct {
	Exists bool
	Token  string
	Index  uint64
	Floor  uint64
}

// jobInput is an operation on one job ID as the model sees it. Lists are
// split into one read per job ID before they get here (see splitList).
type jobInput struct {
	Key        string
	Kind       history.Kind // Register, Deregister or Read
	Token      string       // Register
	CAS        bool         // Register with a CheckIndex
	CheckIndex uint64
}

// jobOutput is what the operation was told.
type jobOutput struct {
	// Unknown: the operation may or may not have taken effect. Its
	// return time is at infinity, so porcupine may place it after every
	// other operation, which is the same as not having taken effect; the
	// model therefore only has to apply it (when it can apply).
	Unknown   bool
	CASFailed bool // Register: the server said the index did not match
	// HasCurrent is set on a CASFailed whose answer said the job's
	// JobModifyIndex, Current (0: no such job).
	HasCurrent bool
	Current    uint64
	Index      uint64 // Register: new JobModifyIndex; Deregister: its index; Read: the JobModifyIndex seen. 0: not reported.
	Found      bool   // Read
	Token      string // Read
}

// jobStep is the sequential specification of one job ID. It returns
// every state the job can be in after the operation, none when the
// output is impossible from st. It is nondeterministic only where the
// model does not know an index: an unknown compare-and-set against a job
// whose index is unknown may or may not have matched.
func jobStep(st jobState, in jobInput, out jobOutput) []jobState {
	switch in.Kind {
	case history.Register:
		return registerStep(st, in, out)
	case history.Deregister:
		if !out.Unknown && out.Index != 0 && out.Index <= st.Floor {
			return nil // a purge is a Raft write too: its index must be new
		}
		// A purge of a job that is already gone is harmless: the endpoint
		// checks existence before it proposes the entry, so two
		// concurrent purges may both succeed.
		return []jobState{{Floor: max(st.Floor, out.Index)}}
	case history.Read:
		return readStep(st, out)
	}
	return nil
}

func registerStep(st jobState, in jobInput, out jobOutput) []jobState {
	// matches reports whether the compare-and-set's index matches st;
	// maybe is set when it cannot tell because st's index is unknown.
	matches, maybe := true, false
	if in.CAS {
		switch {
		case in.CheckIndex == 0:
			matches = !st.Exists
		case !st.Exists:
			matches = false
		case st.Index != 0:
			matches = st.Index == in.CheckIndex
		default:
			// The unknown write that made st got an index above Floor;
			// it is in.CheckIndex only if that is above Floor too.
			matches, maybe = false, in.CheckIndex > st.Floor
		}
	}
	identical := st.Exists && st.Token == in.Token
	applied := func() jobState {
		if identical {
			// Resubmitting an identical job keeps its JobModifyIndex.
			return st
		}
		next := jobState{Exists: true, Token: in.Token, Floor: st.Floor}
		if in.CAS {
			// A match means the job was at CheckIndex.
			next.Floor = max(next.Floor, in.CheckIndex)
		}
		return next
	}
	switch {
	case out.CASFailed:
		if !in.CAS || (matches && !maybe) {
			return nil
		}
		if !out.HasCurrent {
			return []jobState{st}
		}
		// The refusal said what the job was: hold it to that like a read.
		switch {
		case out.Current == 0:
			if st.Exists {
				return nil
			}
		case out.Current == in.CheckIndex || !st.Exists:
			return nil
		case st.Index == 0 && out.Current > st.Floor:
			st.Index, st.Floor = out.Current, out.Current
		case st.Index != out.Current:
			return nil
		}
		return []jobState{st}
	case out.Unknown:
		switch {
		case matches:
			// It applies here; porcupine places it after everything
			// else when it did not take effect.
			return []jobState{applied()}
		case maybe:
			return []jobState{st, applied()}
		}
		// A compare-and-set that cannot match has no effect.
		return []jobState{st}
	}
	// A definite success.
	if !matches && !maybe {
		return nil
	}
	next := applied()
	if identical {
		// An identical resubmission answers the index the job has.
		switch {
		case out.Index == 0 || out.Index == st.Index:
		case st.Index == 0 && out.Index > st.Floor:
			next.Index, next.Floor = out.Index, out.Index
		default:
			return nil
		}
		return []jobState{next}
	}
	if out.Index != 0 {
		if out.Index <= next.Floor || (in.CAS && out.Index <= in.CheckIndex) {
			return nil
		}
		next.Index, next.Floor = out.Index, out.Index
	}
	return []jobState{next}
}

func readStep(st jobState, out jobOutput) []jobState {
	if !out.Found {
		if st.Exists {
			return nil
		}
		return []jobState{st}
	}
	if !st.Exists || st.Token != out.Token {
		return nil
	}
	switch {
	case out.Index == 0 || out.Index == st.Index:
		return []jobState{st}
	case st.Index == 0 && out.Index > st.Floor:
		// The first sight of an unknown write's index fixes it.
		st.Index, st.Floor = out.Index, out.Index
		return []jobState{st}
	}
	return nil
}

// jobModel is the porcupine model of the job table, partitioned by job
// ID: the operations on different jobs commute, so the table is
// linearizable exactly when each job's history is.
func jobModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: partitionByKey,
		Init:      func() []interface{} { return []interface{}{jobState{}} },
		Step: func(state, input, output interface{}) []interface{} {
			next := jobStep(state.(jobState), input.(jobInput), output.(jobOutput))
			out := make([]interface{}, len(next))
			for i := range next {
				out[i] = next[i]
			}
			return out
		},
		Hash: func(state interface{}) uint64 {
			st := state.(jobState)
			h := fnv.New64a()
			fmt.Fprintf(h, "%t\x00%s\x00%d\x00%d", st.Exists, st.Token, st.Index, st.Floor)
			return h.Sum64()
		},
		DescribeOperation: func(input, output interface{}) string {
			return describeJobOp(input.(jobInput), output.(jobOutput))
		},
		DescribeState: func(state interface{}) string {
			return describeState(state.(jobState))
		},
		DescribeOperationMetadata: func(info interface{}) string {
			if m, ok := info.(opMeta); ok {
				return m.String()
			}
			return ""
		},
	}
	return nm.ToModel()
}

// partitionByKey splits a history into one history per job ID, in the
// order each ID first appears.
func partitionByKey(ops []porcupine.Operation) [][]porcupine.Operation {
	index := map[string]int{}
	var parts [][]porcupine.Operation
	for _, op := range ops {
		key := op.Input.(jobInput).Key
		i, ok := index[key]
		if !ok {
			i = len(parts)
			index[key] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

func describeState(st jobState) string {
	if !st.Exists {
		return fmt.Sprintf("absent (floor %d)", st.Floor)
	}
	if st.Index == 0 {
		return fmt.Sprintf("token %q, index unknown (above %d)", st.Token, st.Floor)
	}
	return fmt.Sprintf("token %q, index %d", st.Token, st.Index)
}

func describeJobOp(in jobInput, out jobOutput) string {
	var s string
	switch in.Kind {
	case history.Register:
		s = fmt.Sprintf("register(%q", in.Token)
		if in.CAS {
			s += fmt.Sprintf(", check-index %d", in.CheckIndex)
		}
		s += ")"
	case history.Deregister:
		s = "deregister()"
	case history.Read:
		s = "read()"
	}
	switch {
	case out.Unknown:
		return s + " -> unknown"
	case out.CASFailed && out.HasCurrent && out.Current == 0:
		return s + " -> index mismatch, no such job"
	case out.CASFailed && out.HasCurrent:
		return s + fmt.Sprintf(" -> index mismatch, job at index %d", out.Current)
	case out.CASFailed:
		return s + " -> index mismatch"
	case in.Kind == history.Read && !out.Found:
		return s + " -> absent"
	case in.Kind == history.Read:
		return s + fmt.Sprintf(" -> %q index %d", out.Token, out.Index)
	case out.Index != 0:
		return s + fmt.Sprintf(" -> ok index %d", out.Index)
	}
	return s + " -> ok"
}
