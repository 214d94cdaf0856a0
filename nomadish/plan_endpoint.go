package nomadish

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Plan is the RPC endpoint of the leader's plan queue.
type Plan struct {
	srv    *Server
	logger hclog.Logger
}

// Submit queues a scheduler's plan for the plan applier and returns what
// it committed. The plan must carry the token of its evaluation's current
// delivery, so a worker whose evaluation was redelivered cannot commit.
func (p *Plan) Submit(args *structs.PlanRequest, reply *structs.PlanResponse) error {
	if done, err := p.srv.forward("Plan.Submit", args, args, reply); done {
		return err
	}
	defer metrics.MeasureSince([]string{"nomad", "plan", "submit"}, time.Now())
	plan := args.Plan
	if plan == nil {
		return invalid("Plan", "missing")
	}
	// Holding a plan's answer counts as progress on the evaluation.
	if err := p.srv.evalBroker.Touch(plan.EvalID, plan.EvalToken); err != nil {
		return fmt.Errorf("submit plan of evaluation %q: %w", plan.EvalID, err)
	}
	pending, err := p.srv.planQueue.Enqueue(plan)
	if err != nil {
		return fmt.Errorf("submit plan of evaluation %q: %w", plan.EvalID, err)
	}
	select {
	case resp := <-pending.respCh:
		if resp.err != nil {
			return resp.err
		}
		reply.Result = resp.result
		reply.Index = resp.result.AllocIndex
		return nil
	case <-p.srv.shutdownCh:
		return errShutdown
	}
}
