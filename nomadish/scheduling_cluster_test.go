package nomadish

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
	"github.com/nomadish/nomadish/scheduler"
)

// schedCluster starts three servers without workers and returns them with
// the leader.
func schedCluster(t *testing.T) ([]*Server, *Server) {
	t.Helper()
	cfg := func(c *Config) {
		c.BootstrapExpect = 3
		c.NumSchedulers = -1
	}
	servers := []*Server{testServer(t, cfg), testServer(t, cfg), testServer(t, cfg)}
	joinLAN(t, servers[0], servers[1], servers[2])
	leader := waitForLeader(t, servers...)
	waitFor(t, 10*time.Second, func() error {
		if !leader.evalBroker.Enabled() {
			return fmt.Errorf("broker not enabled")
		}
		return nil
	})
	return servers, leader
}

func TestScheduling_FollowerWorkerAndLeaderFailover(t *testing.T) {
	servers, leader := schedCluster(t)
	var follower *Server
	for _, s := range servers {
		if s != leader {
			follower = s
			break
		}
	}
	for i := 1; i <= 2; i++ {
		schedRegisterNode(t, leader, schedNode(fmt.Sprintf("node-%d", i), 4000, 8192))
	}

	// A worker on a follower dequeues, submits plans and updates the
	// evaluation over RPC to the leader. It takes service jobs only.
	follower.config.NumSchedulers = 1
	follower.config.EnabledSchedulers = []string{structs.JobTypeService}
	follower.startWorkers()
	resp := registerJob(t, leader, mockJob("web"))
	waitEval(t, leader, resp.EvalID, evalStatus(structs.EvalStatusComplete))
	waitLiveAllocs(t, leader, "web", 2)

	// A batch evaluation nobody takes is pending when the leader dies;
	// the new leader's broker, rebuilt from state, hands it out.
	job := mockJob("api")
	job.Type = structs.JobTypeBatch
	resp = registerJob(t, follower, job)
	waitFor(t, 5*time.Second, func() error {
		if st := leader.evalBroker.Stats(); st.ByScheduler[structs.JobTypeBatch] != 1 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
	leader.Shutdown()
	var rest []*Server
	for _, s := range servers {
		if s != leader {
			rest = append(rest, s)
		}
	}
	newLeader := waitForLeader(t, rest...)
	waitFor(t, 10*time.Second, func() error {
		if st := newLeader.evalBroker.Stats(); st.ByScheduler[structs.JobTypeBatch] != 1 {
			return fmt.Errorf("new leader's broker: %+v", st)
		}
		return nil
	})
	newLeader.config.NumSchedulers = 1
	newLeader.config.EnabledSchedulers = nil
	newLeader.startWorkers()
	waitEval(t, newLeader, resp.EvalID, evalStatus(structs.EvalStatusComplete))
	waitLiveAllocs(t, newLeader, "api", 2)
}

// errScheduler fails every evaluation.
type errScheduler struct{}

func (errScheduler) Process(*structs.Evaluation) error { return errors.New("always failing") }

func TestScheduling_DeliveryLimitFailsEvalWithFollowUp(t *testing.T) {
	s := schedServer(t, func(c *Config) {
		c.EvalDeliveryLimit = 2
		c.EvalNackInitialDelay = time.Millisecond
		c.EvalNackSubsequentDelay = time.Millisecond
		c.EvalFailedFollowupDelay = time.Hour
		c.SchedulerFactories = map[string]scheduler.Factory{
			structs.JobTypeBatch: func(hclog.Logger, scheduler.State, scheduler.Planner) scheduler.Scheduler {
				return errScheduler{}
			},
		}
	})
	job := mockJob("flaky")
	job.Type = structs.JobTypeBatch
	resp := registerJob(t, s, job)
	eval := waitEval(t, s, resp.EvalID, evalStatus(structs.EvalStatusFailed))
	if !strings.Contains(eval.StatusDescription, "delivery limit") || eval.NextEval == "" {
		t.Fatalf("eval = %+v", eval)
	}
	follow, _ := s.State().EvalByID(nil, eval.NextEval)
	if follow == nil || follow.Status != structs.EvalStatusPending || follow.TriggeredBy != structs.EvalTriggerFailedFollowUp ||
		follow.PreviousEval != eval.ID || !follow.WaitUntil.After(time.Now().Add(50*time.Minute)) {
		t.Fatalf("follow-up = %+v", follow)
	}
	// It waits in the broker's delay heap.
	waitFor(t, 5*time.Second, func() error {
		if st := s.evalBroker.Stats(); st.TotalWaiting != 1 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
}

func TestEvalEndpoints_RequireTheDeliveryToken(t *testing.T) {
	s := schedServer(t, func(c *Config) { c.NumSchedulers = -1 })
	id := "44444444-0000-0000-0000-000000000001"
	token := dequeueForPlan(t, s, id)
	e, _ := s.State().EvalByID(nil, id)

	update := func(method, tok string, ev *structs.Evaluation) error {
		return s.RPC(method, &structs.EvalUpdateRequest{Evals: []*structs.Evaluation{ev}, EvalToken: tok}, &structs.GenericResponse{})
	}
	done := e.Copy()
	done.Status = structs.EvalStatusComplete
	if err := update("Eval.Update", "stale", done); err == nil || !strings.Contains(err.Error(), ErrTokenMismatch.Error()) {
		t.Fatalf("update with a stale token = %v", err)
	}
	blocked := &structs.Evaluation{ID: "44444444-0000-0000-0000-000000000002", Namespace: "default", JobID: e.JobID,
		Type: e.Type, Status: structs.EvalStatusBlocked, PreviousEval: id}
	if err := update("Eval.Create", "stale", blocked); err == nil {
		t.Fatal("create with a stale token accepted")
	}
	if err := update("Eval.Create", token, blocked); err != nil {
		t.Fatal(err)
	}
	if err := update("Eval.Create", token, blocked); !structs.IsErrConflict(err) {
		t.Fatalf("second create = %v", err)
	}
	// Reblock is only for the blocked evaluation being processed.
	if err := update("Eval.Reblock", token, done); err == nil {
		t.Fatal("reblock of a pending evaluation accepted")
	}
	if err := update("Eval.Update", token, done); err != nil {
		t.Fatal(err)
	}
	if err := s.RPC("Eval.Ack", &structs.EvalAckRequest{EvalID: id, Token: token}, &structs.GenericResponse{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RPC("Eval.Ack", &structs.EvalAckRequest{EvalID: id, Token: token}, &structs.GenericResponse{}); err == nil {
		t.Fatal("second ack accepted")
	}
	var dq structs.EvalDequeueResponse
	if err := s.RPC("Eval.Dequeue", &structs.EvalDequeueRequest{}, &dq); !structs.IsValidationError(err) {
		t.Fatalf("dequeue without schedulers = %v", err)
	}
}
