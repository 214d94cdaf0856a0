package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

// missingDocker is the metric of a group whose driver no node has, as the
// scheduler reports it (scheduler/driver_explain.go).
func missingDocker() *api.AllocationMetric {
	return &api.AllocationMetric{
		NodesEvaluated: 3, NodesFiltered: 3, NodesInPool: 3,
		ConstraintFiltered: map[string]int{"missing drivers": 3},
		ConstraintDetails:  map[string]string{"missing drivers": `no node has driver "docker"; the 3 eligible nodes have drivers "exec", "mock"`},
		CoalescedFailures:  1,
	}
}

func TestJobStatusShowsPlacementFailures(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web", Name: "web", Type: "service", Status: "pending", TaskGroups: []*api.TaskGroup{{Name: "api", Count: 2}, {Name: "db", Count: 1}}})
	f.addEval(&api.Evaluation{ID: "aaaaaaaa-0000-0000-0000-000000000000", JobID: "web", Status: api.EvalStatusComplete, Priority: 50,
		TriggeredBy: "job-register", CreateIndex: 20, ModifyIndex: 21, BlockedEval: "bbbbbbbb-0000-0000-0000-000000000000",
		FailedTGAllocs: map[string]*api.AllocationMetric{
			"api": missingDocker(),
			"db":  {NodesEvaluated: 3, NodesExhausted: 2, NodesFiltered: 1, ClassFiltered: map[string]int{"small": 1}, DimensionExhausted: map[string]int{"memory": 2}},
		}})
	f.addEval(&api.Evaluation{ID: "bbbbbbbb-0000-0000-0000-000000000000", JobID: "web", Status: api.EvalStatusBlocked, Priority: 50,
		TriggeredBy: "queued-allocs", CreateIndex: 21, ModifyIndex: 21})
	meta, ui, _ := testMeta(t)

	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	want := strings.Join([]string{
		"Placement Failure",
		`Task Group "api" (failed to place 2 allocations):`,
		`  * 3 nodes evaluated: 3 excluded by filter, 0 exhausted`,
		`  * Constraint "missing drivers": 3 nodes excluded by filter: no node has driver "docker"; the 3 eligible nodes have drivers "exec", "mock"`,
		`Task Group "db" (failed to place 1 allocation):`,
		`  * 3 nodes evaluated: 1 excluded by filter, 2 exhausted`,
		`  * Class "small": 1 node excluded by filter`,
		`  * Resources exhausted on 2 nodes`,
		`  * Dimension "memory" exhausted on 2 nodes`,
		`Evaluation "bbbbbbbb" waiting for additional capacity to place remainder`,
	}, "\n")
	if !strings.Contains(out, want) {
		t.Fatalf("output lacks\n%s\nin:\n%s", want, out)
	}
	// The section sits between the summary and the allocations.
	if s, p, a := strings.Index(out, "Summary"), strings.Index(out, "Placement Failure"), strings.Index(out, "Allocations"); !(s < p && p < a) {
		t.Fatalf("sections out of order (summary %d, placement failure %d, allocations %d):\n%s", s, p, a, out)
	}
	if strings.Contains(out, "Evaluations\n") {
		t.Fatalf("evaluations listed without -evals:\n%s", out)
	}

	meta, ui, _ = testMeta(t)
	if code := (&JobStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-evals", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	wantEvals := formatList([]string{
		"ID|Priority|Triggered By|Status|Placement Failures",
		"bbbbbbbb|50|queued-allocs|blocked|false",
		"aaaaaaaa|50|job-register|complete|true",
	})
	if out := ui.OutputWriter.String(); !strings.Contains(out, "Evaluations\n"+wantEvals) {
		t.Fatalf("-evals output lacks\n%s\nin:\n%s", wantEvals, out)
	}
}

func TestPlacementFailureEval(t *testing.T) {
	failed := map[string]*api.AllocationMetric{"api": missingDocker()}
	ev := func(id, status string, modify uint64, failures bool) *api.Evaluation {
		e := &api.Evaluation{ID: id, Status: status, ModifyIndex: modify, CreateIndex: modify}
		if failures {
			e.FailedTGAllocs = failed
		}
		return e
	}
	for _, c := range []struct {
		name  string
		evals []*api.Evaluation
		want  string
	}{
		{"no evaluations", nil, ""},
		{"everything placed", []*api.Evaluation{ev("a", "complete", 5, false)}, ""},
		{"failed, blocked", []*api.Evaluation{ev("b", "blocked", 6, false), ev("a", "complete", 6, true)}, "a"},
		{"blocked eval retried and failed again", []*api.Evaluation{ev("b", "blocked", 9, true), ev("a", "complete", 6, true)}, "b"},
		{"blocked eval placed the rest", []*api.Evaluation{ev("b", "complete", 9, false), ev("a", "complete", 6, true)}, ""},
		{"a newer evaluation while still blocked", []*api.Evaluation{ev("c", "complete", 12, false), ev("b", "blocked", 6, false), ev("a", "complete", 6, true)}, "a"},
		{"system job: failures, nothing blocked", []*api.Evaluation{ev("a", "complete", 6, true)}, "a"},
		{"pending evaluation after the failure", []*api.Evaluation{ev("p", "pending", 12, false), ev("a", "complete", 6, true)}, "a"},
		{"job stopped since", []*api.Evaluation{ev("s", "complete", 12, false), ev("a", "complete", 6, true)}, ""},
	} {
		evals := append([]*api.Evaluation(nil), c.evals...)
		sortEvalsNewestFirst(evals)
		got := ""
		if e := placementFailureEval(evals); e != nil {
			got = e.ID
		}
		if got != c.want {
			t.Errorf("%s: placement failures of %q, want %q", c.name, got, c.want)
		}
	}
}

// An agent without the job evaluations endpoint (404) still gets the rest
// of the status, without a placement section.
func TestJobStatusWithoutEvaluationsEndpoint(t *testing.T) {
	f := newFakeDeploymentAgent(t)
	meta, ui, _ := testMeta(t)
	cmd := &JobStatusCommand{Meta: meta}
	client, err := api.NewClient(&api.Config{Address: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	evals := cmd.jobEvaluations(client, "web")
	if evals != nil || ui.ErrorWriter.String() != "" {
		t.Fatalf("evals %v, stderr %q; want none and no warning for a 404", evals, ui.ErrorWriter.String())
	}
}
