package workload

import (
	"fmt"
	"sort"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// ResolveListTokens fills in the tokens of listed jobs. GET /v1/jobs
// answers stubs without Meta, so a List records each job's ID and
// JobModifyIndex only; but a JobModifyIndex is the Raft index of one
// write, so the token it carries is the one that write wrote, known
// from a register that reported that index or a read that saw it (extra
// holds more sightings, such as the servers' end states). A List with a
// job whose index no other operation saw cannot be checked against the
// model and is turned into a failed read (Err says why), which the
// checker ignores: that loses an observation but never invents one.
//
// It returns one line for every index seen with two different tokens,
// which no correct server can produce.
func ResolveListTokens(ops []history.Op, extra ...history.JobEntry) (conflicts []string) {
	type key struct {
		id    string
		index uint64
	}
	tokens := map[key]string{}
	where := map[key]string{}
	note := func(id string, index uint64, token, from string) {
		if index == 0 || token == "" {
			return
		}
		k := key{id, index}
		if t, ok := tokens[k]; ok && t != token {
			conflicts = append(conflicts, fmt.Sprintf("job %q at index %d carries token %q (%s) and %q (%s)", id, index, t, where[k], token, from))
			return
		}
		tokens[k], where[k] = token, from
	}
	for i, op := range ops {
		switch {
		case op.Kind == history.Register && op.OK:
			note(op.JobID, op.Index, op.Token, fmt.Sprintf("register op %d", i))
		case op.Kind == history.Read && op.OK && op.Found:
			note(op.Entry.ID, op.Entry.ModifyIndex, op.Entry.Token, fmt.Sprintf("read op %d", i))
		}
	}
	for _, e := range extra {
		note(e.ID, e.ModifyIndex, e.Token, "end state")
	}
	for i := range ops {
		op := &ops[i]
		if op.Kind != history.List || !op.OK {
			continue
		}
		for j := range op.Jobs {
			e := &op.Jobs[j]
			if e.Token != "" {
				continue
			}
			t, ok := tokens[key{e.ID, e.ModifyIndex}]
			if !ok {
				op.OK = false
				op.Err = fmt.Sprintf("unresolved: no other operation saw job %q at index %d, so its token is unknown", e.ID, e.ModifyIndex)
				break
			}
			e.Token = t
		}
	}
	sort.Strings(conflicts)
	return conflicts
}
