package command

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

const (
	failedEvalID  = "aaaaaaaa-1111-2222-3333-444444444444"
	blockedEvalID = "bbbbbbbb-1111-2222-3333-444444444444"
)

// evalAgent is a fake agent holding a completed evaluation that could
// not place a group whose driver no node has, and the blocked evaluation
// it created.
func evalAgent(t *testing.T, now time.Time) *fakeAgent {
	t.Helper()
	f := newFakeAgent(t)
	f.addEval(&api.Evaluation{ID: failedEvalID, Namespace: "default", Priority: 50, Type: "service", TriggeredBy: "job-register",
		JobID: "web", Status: api.EvalStatusComplete, BlockedEval: blockedEvalID, CreateIndex: 20, ModifyIndex: 21,
		CreateTime: now.Add(-5 * time.Minute).UnixNano(), ModifyTime: now.Add(-299 * time.Second).UnixNano(),
		QueuedAllocations: map[string]int{"api": 2},
		FailedTGAllocs:    map[string]*api.AllocationMetric{"api": missingDocker()}})
	f.addEval(&api.Evaluation{ID: blockedEvalID, Namespace: "default", Priority: 50, Type: "service", TriggeredBy: "queued-allocs",
		JobID: "web", Status: api.EvalStatusBlocked, StatusDescription: "created to place remaining allocations",
		PreviousEval: failedEvalID, CreateIndex: 21, ModifyIndex: 21,
		CreateTime: now.Add(-299 * time.Second).UnixNano(), ModifyTime: now.Add(-299 * time.Second).UnixNano()})
	return f
}

func TestEvalStatusShowsPlacementFailures(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())

	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "aaaa"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := formatKV([]string{
		"ID|aaaaaaaa",
		"Create Time|5m0s ago",
		"Modify Time|4m59s ago",
		"Status|complete",
		"Status Description|complete",
		"Type|service",
		"TriggeredBy|job-register",
		"Job ID|web",
		"Namespace|default",
		"Priority|50",
		"Placement Failures|true",
		"Blocked Eval|bbbbbbbb",
	}) + "\n\n" + strings.Join([]string{
		"Failed Placements",
		`Task Group "api" (failed to place 2 allocations):`,
		`  * 3 nodes evaluated: 3 excluded by filter, 0 exhausted`,
		`  * Constraint "missing drivers": 3 nodes excluded by filter: no node has driver "docker"; the 3 eligible nodes have drivers "exec", "mock"`,
		``,
		`Evaluation "bbbbbbbb" waiting for additional capacity to place remainder`,
	}, "\n")
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("output =\n%s\nwant\n%s", got, want)
	}
	if !containsRequest(f, "GET /v1/evaluations?prefix=aaaa") {
		t.Fatalf("no prefix query in %v", f.requests)
	}
}

func TestEvalStatusVerboseAndRelations(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", blockedEvalID}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{
		"ID                 = " + blockedEvalID,
		"Status Description = created to place remaining allocations",
		"Previous Eval      = " + failedEvalID,
		"Placement Failures = false",
		"Create Time        = " + time.Unix(0, clock.Now().Add(-299*time.Second).UnixNano()).Local().Format(time.RFC3339),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Failed Placements") {
		t.Errorf("a blocked evaluation without failures shows failures:\n%s", out)
	}

	meta, ui, _ = testMeta(t)
	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", failedEvalID}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if out := ui.OutputWriter.String(); !strings.Contains(out, "Queued Allocations\nTask Group  Queued\napi         2") {
		t.Errorf("-verbose lacks the queued allocations:\n%s", out)
	}
}

func TestEvalStatusJSON(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "aa"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var got api.Evaluation
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &got); err != nil {
		t.Fatalf("output is not an evaluation: %v\n%s", err, ui.OutputWriter.String())
	}
	if got.ID != failedEvalID || got.FailedTGAllocs["api"].ConstraintDetails["missing drivers"] == "" {
		t.Fatalf("evaluation = %+v", got)
	}
}

func TestEvalStatusLookupErrors(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	f.addEval(&api.Evaluation{ID: "aaaaffff-0000-0000-0000-000000000000", JobID: "cache", Status: api.EvalStatusPending, Priority: 50, TriggeredBy: "node-update"})
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"aaaa"}, 1, `Prefix "aaaa" matched multiple evaluations; use a longer one:`},
		{[]string{"cc"}, 1, `No evaluation(s) with prefix or ID "cc" found`},
		{[]string{"a"}, 1, "Evaluation ID prefix must be at least two characters"},
		{nil, 1, "This command takes one argument, an evaluation ID or prefix; got none"},
		{[]string{"a", "b"}, 1, "got 2: a b"},
		{[]string{"-monitor", "-json", "aaaaaaaa"}, 1, "-monitor and -json cannot be combined"},
		{[]string{"-monitor", "-timeout=0s", "aaaaaaaa"}, 1, "-timeout must be a positive duration"},
	} {
		meta, ui, _ = testMeta(t)
		code := (&EvalStatusCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, c.args...))
		if code != c.code || !strings.Contains(ui.ErrorWriter.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, ui.ErrorWriter.String(), c.code, c.want)
		}
	}
	// The ambiguous prefix lists the candidates.
	meta, ui, _ = testMeta(t)
	(&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "aaaa"})
	if errOut := ui.ErrorWriter.String(); !strings.Contains(errOut, failedEvalID) || !strings.Contains(errOut, "aaaaffff-0000-0000-0000-000000000000") {
		t.Fatalf("stderr = %s", errOut)
	}
}

// -monitor watches the evaluation to its end and reports failed
// placements with exit code 2, as job run does.
func TestEvalStatusMonitor(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	f.mu.Lock()
	fe := f.evals[failedEvalID]
	fe.eval.Status = api.EvalStatusPending
	fe.script = []string{api.EvalStatusPending, api.EvalStatusComplete}
	f.mu.Unlock()

	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-monitor", "aaaaaaaa"}); code != exitPlaceFailed {
		t.Fatalf("exit %d, want %d: %s", code, exitPlaceFailed, ui.ErrorWriter.String())
	}
	out, errOut := ui.OutputWriter.String(), ui.ErrorWriter.String()
	for _, want := range []string{`==> Monitoring evaluation "aaaaaaaa"`, `Evaluation status changed: "pending" -> "complete"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{`Task Group "api" (failed to place 2 allocations):`, `no node has driver "docker"`, `Evaluation "bbbbbbbb" waiting for additional capacity`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// A monitor that times out tells how to watch again with eval status,
// not with job run's flags.
func TestEvalStatusMonitorTimeout(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	if code := (&EvalStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-monitor", "-timeout=2s", "bbbb"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, `Evaluation "bbbbbbbb" is still "blocked" after 2s`) || !strings.Contains(out, "Watch it again with: nomadish eval status -monitor bbbbbbbb") ||
		strings.Contains(out, "-detach") {
		t.Fatalf("output = %s", out)
	}
}
