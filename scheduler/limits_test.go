package scheduler

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// limitedPlanner is the harness with a server's job_max_placements.
type limitedPlanner struct {
	*harness
	limit int
}

func (p limitedPlanner) MaxPlacements() int { return p.limit }

// A system job places one allocation per ready node and group, a number
// validation cannot bound; the scheduler refuses an evaluation above the
// server's job_max_placements before building any allocation.
func TestSystem_PlacementsBoundedPerEvaluation(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 5, nil)
	j := mockSystemJob("sysmany")
	second := mockSystemJob("other").TaskGroups[0]
	second.Name = "second"
	j.TaskGroups = append(j.TaskGroups, second)
	job := h.upsertJob(j)

	s, err := NewScheduler(structs.JobTypeSystem, hclog.NewNullLogger(), h.snapshot(), limitedPlanner{h, 9})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Process(newEval(job, structs.EvalTriggerJobRegister))
	if err == nil {
		t.Fatal("an evaluation of 10 placements passed a limit of 9")
	}
	e := h.lastEval()
	for _, want := range []string{`job "sysmany" would place up to 10 allocations`, "2 task groups on 5 ready nodes", "job_max_placements, 9"} {
		if !strings.Contains(e.StatusDescription, want) {
			t.Errorf("description %q lacks %q", e.StatusDescription, want)
		}
	}
	if e.Status != structs.EvalStatusFailed || len(h.plans) != 0 {
		t.Fatalf("eval status %s, %d plans; want failed and none", e.Status, len(h.plans))
	}

	// At the limit it places them all.
	s, _ = NewScheduler(structs.JobTypeSystem, hclog.NewNullLogger(), h.snapshot(), limitedPlanner{h, 10})
	if err := s.Process(newEval(job, structs.EvalTriggerJobRegister)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.liveAllocs(job)); n != 10 {
		t.Fatalf("%d allocations placed at the limit, want 10", n)
	}
}
