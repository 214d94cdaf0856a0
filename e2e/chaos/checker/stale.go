package checker

import (
	"fmt"
)

// checkStale checks what stale reads and stale lists saw against the
// promise nomadish makes for ?stale: the answering server serves its own
// state store, which its FSM fills by applying committed Raft entries in
// order, so every answer is the table as of some committed index. A job
// a stale read finds present must therefore carry the token of a
// Register that had begun before the read returned, and the index that
// Register was given.
//
// What is not checked, because nomadish does not promise it: that stale
// reads are recent (a partitioned follower keeps answering from old
// state), and that one client's stale reads of a job never go back in
// index. Two servers are at different points of the log, and even one
// server can go back: a restart restores the last snapshot before the
// log after it is applied again, and a server whose data dir was
// replaced starts empty. For the same reason a stale read that finds a
// job absent is always accepted.
func checkStale(h jobHistory) []string {
	var out []string
	for _, o := range h.stale {
		if !o.found {
			continue
		}
		var wrote, begun int
		indexOK := o.entry.ModifyIndex == 0
		var acked uint64
		for _, r := range h.writes[o.key] {
			if r.Token != o.entry.Token || !r.OK && !r.Unknown {
				continue
			}
			wrote++
			if r.Call > o.ret {
				continue
			}
			begun++
			switch {
			case !r.OK || r.Index == 0 || r.Index == o.entry.ModifyIndex:
				indexOK = true
			default:
				acked = r.Index
			}
		}
		switch {
		case wrote == 0:
			out = append(out, fmt.Sprintf("job %q: stale read [%s] saw token %q, which no register that may have taken effect wrote",
				o.key, o.op, o.entry.Token))
		case begun == 0:
			out = append(out, fmt.Sprintf("job %q: stale read [%s] returned at %s having seen token %q, before any register of that token began",
				o.key, o.op, nanos(o.ret), o.entry.Token))
		case !indexOK:
			out = append(out, fmt.Sprintf("job %q: stale read [%s] saw token %q at index %d, but its register was acknowledged with index %d",
				o.key, o.op, o.entry.Token, o.entry.ModifyIndex, acked))
		}
	}
	return out
}
