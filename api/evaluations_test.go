package api

import "testing"

func TestEvaluationsInfoBlocks(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/evaluation/{id}", 20, `{"ID":"e1","Status":"complete","JobID":"web",
		"FailedTGAllocs":{"g":{"NodesEvaluated":2,"DimensionExhausted":{"memory":2}}},"BlockedEval":"e2"}`)
	f.handleJSON("GET /v1/evaluations", 20, `[{"ID":"e1","Status":"pending"}]`)
	f.handleJSON("GET /v1/evaluation/{id}/allocations", 20, `[{"ID":"a1","EvalID":"e1"}]`)
	c := f.client(t)

	eval, qm, err := c.Evaluations().Info("e1", &QueryOptions{WaitIndex: 19})
	if err != nil {
		t.Fatal(err)
	}
	if f.last.URL.Query().Get("index") != "19" || qm.LastIndex != 20 {
		t.Fatalf("blocking query %s, meta %+v", f.last.URL, qm)
	}
	if !eval.Terminal() || eval.FailedTGAllocs["g"].DimensionExhausted["memory"] != 2 || eval.BlockedEval != "e2" {
		t.Fatalf("eval = %+v", eval)
	}

	list, _, err := c.Evaluations().List(nil)
	if err != nil || len(list) != 1 || list[0].Terminal() {
		t.Fatalf("list = %+v, %v", list, err)
	}
	allocs, _, err := c.Evaluations().Allocations("e1", nil)
	if err != nil || allocs[0].EvalID != "e1" {
		t.Fatalf("allocs = %+v, %v", allocs, err)
	}
}

func TestEvaluationTerminal(t *testing.T) {
	for status, want := range map[string]bool{
		EvalStatusPending: false, EvalStatusBlocked: false,
		EvalStatusComplete: true, EvalStatusFailed: true, EvalStatusCancelled: true,
	} {
		if got := (&Evaluation{Status: status}).Terminal(); got != want {
			t.Errorf("Terminal(%q) = %v, want %v", status, got, want)
		}
	}
}
