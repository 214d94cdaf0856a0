package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestEvals_ListGetAllocs(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/evaluations", nil).expect(t, 200, "[]")
	a.backend.evals["e1"] = &structs.Evaluation{ID: "e1", JobID: "web", Status: structs.EvalStatusPending}
	var evals []structs.Evaluation
	a.do(t, "GET", "/v1/evaluations", nil).decode(t, &evals)
	if len(evals) != 1 || evals[0].ID != "e1" {
		t.Fatalf("evals = %+v", evals)
	}
	a.do(t, "GET", "/v1/evaluation/e1", nil).expect(t, 200, `"Status":"pending"`)
	a.do(t, "GET", "/v1/evaluation/e2", nil).expect(t, 404, "eval not found")
	a.do(t, "GET", "/v1/evaluation/e1/allocations", nil).expect(t, 200, "[]")
}
