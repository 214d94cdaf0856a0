package workload

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// A listed job gets the token of the write whose index it shows; a list
// whose index nobody else saw becomes a failed read; one index with two
// tokens is reported.
func TestResolveListTokens(t *testing.T) {
	ops := []history.Op{
		{Kind: history.Register, OK: true, JobID: "a", Token: "t1", Index: 10},
		{Kind: history.Read, OK: true, Found: true, JobID: "b", Entry: history.JobEntry{ID: "b", Token: "t2", ModifyIndex: 12}},
		{Kind: history.List, OK: true, Jobs: []history.JobEntry{{ID: "a", ModifyIndex: 10}, {ID: "b", ModifyIndex: 12}}},
		{Kind: history.List, OK: true, Jobs: []history.JobEntry{{ID: "a", ModifyIndex: 11}}},
	}
	if c := ResolveListTokens(ops); len(c) != 0 {
		t.Fatalf("conflicts %v in a consistent history", c)
	}
	if got := ops[2].Jobs; !ops[2].OK || got[0].Token != "t1" || got[1].Token != "t2" {
		t.Fatalf("resolved list %+v (ok %v), want tokens t1 and t2", got, ops[2].OK)
	}
	if ops[3].OK || !strings.Contains(ops[3].Err, "index 11") {
		t.Fatalf("list of an unseen index: ok %v err %q, want a failed read naming index 11", ops[3].OK, ops[3].Err)
	}
	bad := []history.Op{
		{Kind: history.Register, OK: true, JobID: "a", Token: "t1", Index: 10},
		{Kind: history.Register, OK: true, JobID: "a", Token: "t9", Index: 10},
	}
	if c := ResolveListTokens(bad); len(c) != 1 || !strings.Contains(c[0], `"t1"`) || !strings.Contains(c[0], `"t9"`) {
		t.Fatalf("conflicts %v, want one naming t1 and t9", c)
	}
}
