package checker

import (
	"github.com/anishathalye/porcupine"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// pruneUnknown removes from one job's history the unknown writes that no
// other operation can need, and returns what is left.
//
// An unknown write stays open to the end of the history, and porcupine
// has to try every subset of the open ones at every later point before
// it can call a history illegal, so a few dozen of them make a violation
// take longer to prove than any timeout. Most are not needed by anything:
//
//   - An unknown Register whose token (written by it alone) no read saw
//     can only be needed by an operation explained by "the job holds a
//     value nobody saw, at an index nobody knows": a refused
//     compare-and-set that did not say the job's index or said one no
//     acknowledged write or read knew, or a compare-and-set that matched
//     such an index (only an unknown write can have had it). If no such operation can come after it,
//     a linearization in which it took effect stays one without it (an
//     unknown compare-and-set that no longer fails moves to the end).
//   - An unknown Deregister can only be needed by an operation that saw
//     the job absent (a read or list, a must-not-exist compare-and-set,
//     a refused compare-and-set that said there was no job or did not
//     say) after it began.
//
// Operations that may be needed are kept as they are, so pruning never
// turns a linearizable history into one that is not.
func pruneUnknown(ops []porcupine.Operation) []porcupine.Operation {
	known := map[uint64]bool{}    // indexes some operation other than an unknown write knew
	observed := map[string]bool{} // tokens a linearizable read saw
	writers := map[string]int{}   // Registers per token
	for _, op := range ops {
		in, out := op.Input.(jobInput), op.Output.(jobOutput)
		switch {
		case in.Kind == history.Read && out.Found:
			observed[out.Token] = true
			if out.Index != 0 {
				known[out.Index] = true
			}
		case in.Kind != history.Read && !out.Unknown && !out.CASFailed && out.Index != 0:
			known[out.Index] = true
		}
		if in.Kind == history.Register {
			writers[in.Token]++
		}
	}
	// after reports whether op can be linearized after u began.
	after := func(op, u porcupine.Operation) bool { return op.Return >= u.Call }

	needsUnseenValue := func(u porcupine.Operation) bool {
		for _, op := range ops {
			in, out := op.Input.(jobInput), op.Output.(jobOutput)
			if !in.CAS || !after(op, u) {
				continue
			}
			switch {
			case out.CASFailed && !out.HasCurrent:
				return true // it may have found the unseen value
			case out.CASFailed && out.Current != 0 && !known[out.Current]:
				return true // it found an index only an unknown write can have had
			case in.CheckIndex != 0 && !known[in.CheckIndex] && !out.CASFailed:
				return true // it may have matched the unknown write's index
			}
		}
		return false
	}
	needsAbsence := func(u porcupine.Operation) bool {
		for _, op := range ops {
			in, out := op.Input.(jobInput), op.Output.(jobOutput)
			if !after(op, u) {
				continue
			}
			switch {
			case in.Kind == history.Read && !out.Found,
				in.CAS && in.CheckIndex == 0 && !out.CASFailed,
				in.CAS && in.CheckIndex != 0 && out.CASFailed && (!out.HasCurrent || out.Current == 0):
				return true
			}
		}
		return false
	}

	kept := ops[:0:0]
	for _, op := range ops {
		in, out := op.Input.(jobInput), op.Output.(jobOutput)
		if out.Unknown {
			switch in.Kind {
			case history.Register:
				if !observed[in.Token] && writers[in.Token] == 1 && !needsUnseenValue(op) {
					continue
				}
			case history.Deregister:
				if !needsAbsence(op) {
					continue
				}
			}
		}
		kept = append(kept, op)
	}
	return kept
}
