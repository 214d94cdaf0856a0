package checker

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// server is one server's end state holding jobs and nothing else.
func server(name string, index uint64, jobs ...history.JobEntry) ServerState {
	return ServerState{Server: name, Index: index, Jobs: jobs}
}

func TestCheckEndStateLostWrites(t *testing.T) {
	cases := []struct {
		name string
		ops  []history.Op
		jobs []history.JobEntry // the end state
		want []string           // parts of the violation; nil: none
	}{
		{"the last acknowledged write is there", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t2", 20, 30, 7),
		}, []history.JobEntry{entry("a", "t2", 7)}, nil},
		{"an acknowledged write is missing", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
		}, nil, []string{`job "a"`, "acknowledged write lost", "no job", `register "t1" (ok, index 5`}},
		{"an overwritten write came back", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t2", 20, 30, 7),
		}, []history.JobEntry{entry("a", "t1", 5)}, []string{`job "a"`, "acknowledged write lost", `token "t1"`, `register "t2"`}},
		{"a purged job came back", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			dereg(0, "a", 20, 30, 7),
		}, []history.JobEntry{entry("a", "t1", 5)}, []string{`job "a"`, "acknowledged write lost", "deregister (ok"}},
		{"a purge is honoured", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			dereg(0, "a", 20, 30, 7),
		}, nil, nil},
		{"either of two concurrent writes may win: the first", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(1, "a", "t2", 5, 15, 6),
		}, []history.JobEntry{entry("a", "t1", 5)}, nil},
		{"either of two concurrent writes may win: the second", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(1, "a", "t2", 5, 15, 6),
		}, []history.JobEntry{entry("a", "t2", 6)}, nil},
		{"but one of them must", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(1, "a", "t2", 5, 15, 6),
		}, nil, []string{`job "a"`, "acknowledged write lost", `register "t1"`, `register "t2"`}},
		{"a concurrent purge excuses a missing job", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			dereg(1, "a", 5, 15, 6),
		}, nil, nil},
		{"an unknown write called earlier may still land last", []history.Op{
			unknown(reg(1, "a", "t2", 0, 1, 0)),
			reg(0, "a", "t1", 10, 20, 5),
		}, []history.JobEntry{entry("a", "t2", 9)}, nil},
		{"an unknown write excuses the acknowledged one", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
		}, []history.JobEntry{entry("a", "t2", 9)}, nil},
		{"an unknown write does not excuse a missing job", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
		}, nil, []string{`job "a"`, "acknowledged write lost", `register "t2" (unknown`}},
		{"an unknown purge excuses a missing job", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(dereg(1, "a", 20, 30, 0)),
		}, nil, nil},
		{"nothing acknowledged, nothing there", []history.Op{
			unknown(reg(1, "a", "t1", 0, 10, 0)),
			failed(reg(1, "b", "u1", 0, 10, 0), "no cluster leader"),
		}, nil, nil},
		{"a failed write is not a candidate", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			failed(reg(1, "a", "t2", 20, 30, 0), "job validation failed"),
		}, []history.JobEntry{entry("a", "t2", 9)}, []string{`job "a"`, `token "t2"`, "no write that may have taken effect"}},
		{"a refused compare-and-set is not a candidate", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			casFail(1, "a", "t2", 4, 20, 30),
		}, []history.JobEntry{entry("a", "t2", 9)}, []string{`job "a"`, `token "t2"`, "no write that may have taken effect"}},
		{"a token nobody wrote", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
		}, []history.JobEntry{entry("a", "t9", 5)}, []string{`job "a"`, `token "t9"`}},
		{"the right token at the wrong index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
		}, []history.JobEntry{entry("a", "t1", 6)}, []string{`job "a"`, "index 6", "another index"}},
		{"an identical resubmission keeps the first index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t1", 20, 30, 5),
		}, []history.JobEntry{entry("a", "t1", 5)}, nil},
		{"jobs the history never wrote are not judged", nil,
			[]history.JobEntry{entry("other", "x", 3)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckEndState([]ServerState{server("s1", 100, tc.jobs...)}, tc.ops)
			if tc.want == nil {
				if len(got) > 0 {
					t.Fatalf("unexpected violations:\n%s", strings.Join(got, "\n"))
				}
				return
			}
			wantViolation(t, got, tc.want...)
			t.Log(strings.Join(got, "\n"))
		})
	}
}

func TestCheckEndStateAgreement(t *testing.T) {
	ops := []history.Op{reg(0, "a", "t1", 0, 10, 5)}
	nodes := []Node{{ID: "n1", Status: "ready"}}
	allocs := []Alloc{{ID: "x1", JobID: "a", Name: "a.web[0]", NodeID: "n1", DesiredStatus: "run", ClientStatus: "running", CreateIndex: 6, ModifyIndex: 6}}
	mk := func(name string, index uint64) ServerState {
		s := server(name, index, entry("a", "t1", 5))
		s.Nodes, s.Allocs = nodes, allocs
		return s
	}

	if got := CheckEndState([]ServerState{mk("s1", 10), mk("s2", 10), mk("s3", 10)}, ops); len(got) > 0 {
		t.Fatalf("agreeing servers reported:\n%s", strings.Join(got, "\n"))
	}

	s3 := mk("s3", 10)
	s3.Allocs = []Alloc{allocs[0]}
	s3.Allocs[0].ClientStatus = "pending"
	s3.Nodes = nil
	got := CheckEndState([]ServerState{mk("s1", 10), mk("s2", 10), s3}, ops)
	wantViolation(t, got, "servers s1 and s3 disagree at index 10", `allocation "x1"`, "client running", "client pending", `only the first has node "n1"`)

	if got = CheckEndState([]ServerState{mk("s1", 10), mk("s2", 9)}, ops); len(got) != 0 {
		t.Errorf("servers read at different indexes are not compared, got %q", got)
	}

	// A lost write that every server shares is one line naming them all.
	lost := []ServerState{server("s1", 10), server("s2", 10)}
	got = CheckEndState(lost, ops)
	if len(got) != 1 {
		t.Fatalf("want one line, got:\n%s", strings.Join(got, "\n"))
	}
	wantViolation(t, got, "acknowledged write lost", "(on s1, s2)")
}

func TestCheckEndStateAllocations(t *testing.T) {
	alloc := func(id, name string, version uint64, node, desired string, created uint64) Alloc {
		return Alloc{ID: id, JobID: "a", TaskGroup: "web", Name: name, NodeID: node, JobVersion: version,
			DesiredStatus: desired, ClientStatus: "running", CreateIndex: created, ModifyIndex: created}
	}
	nodes := []Node{
		{ID: "n1", Status: "ready", Down: []IndexRange{{From: 10, To: 20}}},
		{ID: "n2", Status: "down", Down: []IndexRange{{From: 30}}},
	}
	cases := []struct {
		name   string
		allocs []Alloc
		want   []string
	}{
		{"one per name and version", []Alloc{
			alloc("x1", "a.web[0]", 0, "n1", "run", 5),
			alloc("x2", "a.web[1]", 0, "n1", "run", 5),
			alloc("x3", "a.web[0]", 1, "n1", "run", 25), // a new version
		}, nil},
		{"a replacement after a stop", []Alloc{
			alloc("x1", "a.web[0]", 0, "n1", "stop", 5),
			alloc("x2", "a.web[0]", 0, "n1", "run", 25),
			alloc("x3", "a.web[1]", 0, "n1", "evict", 5),
			alloc("x4", "a.web[1]", 0, "n1", "run", 26),
		}, nil},
		{"placed twice", []Alloc{
			alloc("x1", "a.web[0]", 0, "n1", "run", 5),
			alloc("x2", "a.web[0]", 0, "n1", "run", 25),
		}, []string{`job "a"`, "2 allocations", `"a.web[0]"`, "version 0", "x1", "x2"}},
		{"placed while the node was down", []Alloc{
			alloc("x1", "a.web[0]", 0, "n1", "run", 15),
		}, []string{`job "a"`, "x1", "created at index 15", `node "n1"`, "down from index 10 (up again at 20)"}},
		{"placed on a node still down", []Alloc{
			alloc("x1", "a.web[0]", 0, "n2", "run", 31),
		}, []string{"x1", `node "n2"`, "still down"}},
		{"placed at the index the node came back", []Alloc{
			alloc("x1", "a.web[0]", 0, "n1", "run", 20),
			alloc("x2", "a.web[1]", 0, "n1", "run", 9),
			alloc("x3", "a.web[2]", 0, "n2", "run", 29),
			alloc("x4", "a.web[3]", 0, "gone", "run", 31), // a node the server no longer has
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := ServerState{Server: "s1", Index: 100, Allocs: tc.allocs, Nodes: nodes}
			got := CheckEndState([]ServerState{s}, nil)
			if tc.want == nil {
				if len(got) > 0 {
					t.Fatalf("unexpected violations:\n%s", strings.Join(got, "\n"))
				}
				return
			}
			wantViolation(t, got, tc.want...)
		})
	}
}
