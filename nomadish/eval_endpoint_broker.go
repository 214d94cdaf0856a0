package nomadish

import (
	"fmt"
	"time"

	metrics "github.com/hashicorp/go-metrics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// maxDequeueTimeout bounds how long one Eval.Dequeue waits.
const maxDequeueTimeout = 30 * time.Second

// Dequeue hands a worker an evaluation from the leader's broker, waiting
// up to the request's Timeout. WaitIndex is the index the worker's state
// must reach first: everything the leader had applied when it handed the
// evaluation out.
func (e *Eval) Dequeue(args *structs.EvalDequeueRequest, reply *structs.EvalDequeueResponse) error {
	if done, err := e.srv.forward("Eval.Dequeue", args, args, reply); done {
		return err
	}
	if len(args.Schedulers) == 0 {
		return invalid("Schedulers", "at least one scheduler type is required, e.g. [\"service\"]")
	}
	timeout := min(max(args.Timeout, 0), maxDequeueTimeout)
	eval, token, err := e.srv.evalBroker.Dequeue(args.Schedulers, timeout, e.srv.shutdownCh)
	if err != nil {
		return err
	}
	e.srv.setQueryMeta(&reply.QueryMeta)
	if eval == nil {
		return nil
	}
	latest, err := e.srv.State().LatestIndex()
	if err != nil {
		return err
	}
	reply.Eval = eval
	reply.Token = token
	reply.WaitIndex = max(eval.ModifyIndex, latest)
	reply.Index = reply.WaitIndex
	return nil
}

// Ack completes a dequeued evaluation.
func (e *Eval) Ack(args *structs.EvalAckRequest, reply *structs.GenericResponse) error {
	if done, err := e.srv.forward("Eval.Ack", args, args, reply); done {
		return err
	}
	if err := e.srv.evalBroker.Ack(args.EvalID, args.Token); err != nil {
		return fmt.Errorf("ack evaluation %q: %w", args.EvalID, err)
	}
	metrics.IncrCounter([]string{"nomad", "broker", "eval_acked"}, 1)
	return nil
}

// Nack returns a dequeued evaluation for redelivery.
func (e *Eval) Nack(args *structs.EvalAckRequest, reply *structs.GenericResponse) error {
	if done, err := e.srv.forward("Eval.Nack", args, args, reply); done {
		return err
	}
	if err := e.srv.evalBroker.Nack(args.EvalID, args.Token); err != nil {
		return fmt.Errorf("nack evaluation %q: %w", args.EvalID, err)
	}
	metrics.IncrCounter([]string{"nomad", "broker", "eval_nacked"}, 1)
	return nil
}

// Update writes the outcome of a dequeued evaluation (status, failed and
// queued allocations, blocked evaluation) for the worker holding it.
func (e *Eval) Update(args *structs.EvalUpdateRequest, reply *structs.GenericResponse) error {
	if done, err := e.srv.forward("Eval.Update", args, args, reply); done {
		return err
	}
	eval, err := singleEval(args)
	if err != nil {
		return err
	}
	if err := e.srv.evalBroker.CheckToken(eval.ID, args.EvalToken); err != nil {
		return fmt.Errorf("update evaluation %q: %w", eval.ID, err)
	}
	return e.writeEvals(args, reply, "update")
}

// Create writes a new evaluation (blocked, delayed follow-up) made by the
// worker holding the evaluation named in its PreviousEval.
func (e *Eval) Create(args *structs.EvalUpdateRequest, reply *structs.GenericResponse) error {
	if done, err := e.srv.forward("Eval.Create", args, args, reply); done {
		return err
	}
	eval, err := singleEval(args)
	if err != nil {
		return err
	}
	if eval.PreviousEval == "" {
		return invalid("Evals[0].PreviousEval", "required: the evaluation that creates this one")
	}
	if err := e.srv.evalBroker.CheckToken(eval.PreviousEval, args.EvalToken); err != nil {
		return fmt.Errorf("create evaluation %q: %w", eval.ID, err)
	}
	existing, err := e.srv.State().EvalByID(nil, eval.ID)
	if err != nil {
		return err
	}
	if existing != nil {
		return fmt.Errorf("create evaluation %q: %w: it already exists", eval.ID, structs.ErrConflict)
	}
	return e.writeEvals(args, reply, "create")
}

// Reblock returns an unblocked evaluation that still could not place
// everything to the blocked set, with its refreshed class eligibility.
func (e *Eval) Reblock(args *structs.EvalUpdateRequest, reply *structs.GenericResponse) error {
	if done, err := e.srv.forward("Eval.Reblock", args, args, reply); done {
		return err
	}
	eval, err := singleEval(args)
	if err != nil {
		return err
	}
	if err := e.srv.evalBroker.CheckToken(eval.ID, args.EvalToken); err != nil {
		return fmt.Errorf("reblock evaluation %q: %w", eval.ID, err)
	}
	if eval.Status != structs.EvalStatusBlocked {
		return invalid("Evals[0].Status", "%q: a reblocked evaluation must be %q", eval.Status, structs.EvalStatusBlocked)
	}
	existing, err := e.srv.State().EvalByID(nil, eval.ID)
	if err != nil {
		return err
	}
	if existing == nil {
		return fmt.Errorf("reblock evaluation %q: %w", eval.ID, structs.ErrNotFound)
	}
	if existing.Status != structs.EvalStatusBlocked {
		return fmt.Errorf("reblock evaluation %q: %w: it is %s, not blocked", eval.ID, structs.ErrConflict, existing.Status)
	}
	return e.writeEvals(args, reply, "reblock")
}

func (e *Eval) writeEvals(args *structs.EvalUpdateRequest, reply *structs.GenericResponse, op string) error {
	_, index, err := e.srv.raftApply(structs.EvalUpdateRequestType, args)
	if err != nil {
		return fmt.Errorf("%s evaluation %q: %w", op, args.Evals[0].ID, err)
	}
	reply.Index = index
	return nil
}

func singleEval(args *structs.EvalUpdateRequest) (*structs.Evaluation, error) {
	if len(args.Evals) != 1 || args.Evals[0] == nil {
		return nil, invalid("Evals", "exactly one evaluation is required, got %d", len(args.Evals))
	}
	if args.Evals[0].ID == "" {
		return nil, invalid("Evals[0].ID", "required")
	}
	return args.Evals[0], nil
}
