package nomadish

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestJobPeriodicForce(t *testing.T) {
	clock := newFakeClock(time.Unix(1700000000, 0))
	s := testServer(t, func(c *Config) { c.Clock = clock })
	waitForLeader(t, s)
	registerJob(t, s, periodicJob("report", "0 0 1 1 *"))
	registerJob(t, s, mockJob("plain"))

	var resp structs.PeriodicForceResponse
	if err := s.RPC("Job.PeriodicForce", &structs.PeriodicForceRequest{JobID: "report"}, &resp); err != nil {
		t.Fatal(err)
	}
	eval, _ := s.State().EvalByID(nil, resp.EvalID)
	if eval == nil || eval.JobID != "report/periodic-1700000000" || eval.TriggeredBy != structs.EvalTriggerPeriodicJob || eval.CreateIndex != resp.EvalCreateIndex {
		t.Fatalf("eval = %+v", eval)
	}
	child, _ := s.State().JobByID(nil, "default", "report/periodic-1700000000")
	if child == nil || child.ParentID != "report" || child.Periodic != nil {
		t.Fatalf("child = %+v", child)
	}
	err := s.RPC("Job.PeriodicForce", &structs.PeriodicForceRequest{JobID: "plain"}, &resp)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), `job "plain" is not periodic`) {
		t.Fatalf("force of a plain job: %v", err)
	}
	if err := s.RPC("Job.PeriodicForce", &structs.PeriodicForceRequest{JobID: "nope"}, &resp); !structs.IsErrNotFound(err) {
		t.Fatalf("force of a missing job: %v", err)
	}
}
