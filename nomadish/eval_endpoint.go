package nomadish

import (
	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Eval is the RPC endpoint for evaluations.
type Eval struct {
	srv    *Server
	logger hclog.Logger
}

// List lists evaluations, optionally by ID prefix; namespace "*" lists all.
func (e *Eval) List(args *structs.EvalListRequest, reply *structs.EvalListResponse) error {
	if done, err := e.srv.forward("Eval.List", args, args, reply); done {
		return err
	}
	return e.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			var it memdb.ResultIterator
			var err error
			if args.Namespace == "*" {
				it, err = st.Evals(ws)
			} else {
				it, err = st.EvalsByIDPrefix(ws, args.RequestNamespace(), args.Prefix)
			}
			if err != nil {
				return err
			}
			evals := []*structs.Evaluation{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				eval := raw.(*structs.Evaluation)
				if hasPrefix(eval.ID, args.Prefix) {
					evals = append(evals, eval)
				}
			}
			reply.Evaluations = evals
			return setTableIndex(st, &reply.QueryMeta, "evals")
		},
	})
}

// GetEval returns one evaluation, or a nil Eval when it does not exist.
func (e *Eval) GetEval(args *structs.EvalSpecificRequest, reply *structs.SingleEvalResponse) error {
	if done, err := e.srv.forward("Eval.GetEval", args, args, reply); done {
		return err
	}
	return e.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			eval, err := st.EvalByID(ws, args.EvalID)
			if err != nil {
				return err
			}
			reply.Eval = eval
			return setIndexFromObject(st, &reply.QueryMeta, "evals", eval != nil, func() uint64 { return eval.ModifyIndex })
		},
	})
}

// Allocations lists the allocations an evaluation created.
func (e *Eval) Allocations(args *structs.EvalSpecificRequest, reply *structs.JobAllocationsResponse) error {
	if done, err := e.srv.forward("Eval.Allocations", args, args, reply); done {
		return err
	}
	return e.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			allocs, err := st.AllocsByEval(ws, args.EvalID)
			if err != nil {
				return err
			}
			reply.Allocations = allocStubs(allocs)
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}
