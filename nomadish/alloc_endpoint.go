package nomadish

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Alloc is the RPC endpoint for allocations.
type Alloc struct {
	srv    *Server
	logger hclog.Logger
}

// List lists allocations, optionally by ID prefix; namespace "*" lists all.
func (a *Alloc) List(args *structs.AllocListRequest, reply *structs.AllocListResponse) error {
	if done, err := a.srv.forward("Alloc.List", args, args, reply); done {
		return err
	}
	return a.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			var it memdb.ResultIterator
			var err error
			if args.Namespace == "*" {
				it, err = st.Allocs(ws)
			} else {
				it, err = st.AllocsByIDPrefix(ws, args.RequestNamespace(), args.Prefix)
			}
			if err != nil {
				return err
			}
			allocs := []*structs.AllocListStub{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				alloc := raw.(*structs.Allocation)
				if hasPrefix(alloc.ID, args.Prefix) {
					allocs = append(allocs, alloc.Stub())
				}
			}
			reply.Allocations = allocs
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}

// GetAlloc returns one allocation, or a nil Alloc when it does not exist.
func (a *Alloc) GetAlloc(args *structs.AllocSpecificRequest, reply *structs.SingleAllocResponse) error {
	if done, err := a.srv.forward("Alloc.GetAlloc", args, args, reply); done {
		return err
	}
	return a.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			alloc, err := st.AllocByID(ws, args.AllocID)
			if err != nil {
				return err
			}
			reply.Alloc = alloc
			return setIndexFromObject(st, &reply.QueryMeta, "allocs", alloc != nil, func() uint64 { return alloc.ModifyIndex })
		},
	})
}

// GetAllocs returns allocations in full to the client of the node they
// run on: the second half of a client's allocation watch, after
// Node.GetClientAllocs told it which have changed. Every allocation asked
// for must run on the node whose secret the request carries. With a
// MinQueryIndex it blocks until this server's allocations have passed it,
// so a client whose list came from a server further ahead is not sent
// older versions. An allocation that would not decode on the client (its
// job's task Config nests past the codec's limit, which a job stored by an
// older version may) is listed in Undeliverable with the reason instead of
// being sent, so that it cannot make the whole answer fail and keep the
// node from every other allocation; the client fails it. Each distinct job
// is checked once per request, with a walk that does not allocate.
func (a *Alloc) GetAllocs(args *structs.AllocsGetRequest, reply *structs.AllocsGetResponse) error {
	if done, err := a.srv.forward("Alloc.GetAllocs", args, args, reply); done {
		return err
	}
	switch n := len(args.AllocIDs); {
	case n == 0:
		return invalid("AllocIDs", "at least one allocation ID is required")
	case n > structs.MaxAllocsPerGet:
		return invalid("AllocIDs", "%d allocation IDs; at most %d per request", n, structs.MaxAllocsPerGet)
	}
	return a.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			allocs := make([]*structs.Allocation, 0, len(args.AllocIDs))
			var undeliverable []*structs.UndeliverableAlloc
			checked := map[string]bool{}
			jobProblems := map[*structs.Job]error{}
			for _, id := range args.AllocIDs {
				alloc, err := st.AllocByID(ws, id)
				if err != nil {
					return err
				}
				if alloc == nil {
					continue
				}
				if !checked[alloc.NodeID] {
					node, err := st.NodeByID(nil, alloc.NodeID)
					if err != nil {
						return err
					}
					if node == nil {
						return fmt.Errorf("allocation %q: its node %s is not registered", id, alloc.NodeID)
					}
					if err := checkNodeSecret(node, args.SecretID); err != nil {
						return fmt.Errorf("allocation %q: %w", id, err)
					}
					checked[alloc.NodeID] = true
				}
				problem, seen := jobProblems[alloc.Job]
				if !seen {
					problem = alloc.Job.DeliveryProblem()
					jobProblems[alloc.Job] = problem
					if problem != nil {
						a.logger.Warn("allocations of a job cannot be sent to their client", "job_id", alloc.JobID, "node_id", alloc.NodeID, "error", problem)
					}
				}
				if problem != nil {
					undeliverable = append(undeliverable, alloc.Undeliverable(problem.Error()))
					continue
				}
				allocs = append(allocs, alloc)
			}
			reply.Allocs = allocs
			reply.Undeliverable = undeliverable
			return setTableIndex(st, &reply.QueryMeta, "allocs")
		},
	})
}

// Stop stops one allocation and has the scheduler replace it, as `nomad
// alloc stop` does: in one Raft entry the allocation is marked for
// migration (DesiredTransition.Migrate) and an evaluation of its job is
// created, so the reconciler stops it and places a replacement. With
// NoShutdownDelay the mark also carries DesiredTransition.NoShutdownDelay,
// which the stop the scheduler writes keeps and the client honours. A
// terminal allocation, or one whose job is gone, is refused.
func (a *Alloc) Stop(args *structs.AllocStopRequest, reply *structs.AllocStopResponse) error {
	if done, err := a.srv.forward("Alloc.Stop", args, args, reply); done {
		return err
	}
	if args.AllocID == "" {
		return invalid("AllocID", "required")
	}
	st := a.srv.State()
	alloc, err := st.AllocByID(nil, args.AllocID)
	if err != nil {
		return err
	}
	if alloc == nil {
		return fmt.Errorf("alloc %q: %w", args.AllocID, structs.ErrNotFound)
	}
	if alloc.TerminalStatus() {
		return invalid("AllocID", "allocation %q is already stopped (desired %q, client %q)", alloc.ID, alloc.DesiredStatus, alloc.ClientStatus)
	}
	job, err := st.JobByID(nil, alloc.Namespace, alloc.JobID)
	if err != nil {
		return err
	}
	if job == nil {
		// The allocation's own copy still says how to evaluate it.
		job = alloc.Job
	}
	if job == nil {
		return fmt.Errorf("job %q of alloc %q: %w", alloc.JobID, alloc.ID, structs.ErrNotFound)
	}
	eval := newJobEval(job, structs.EvalTriggerAllocStop, a.srv.clock().Now().UnixNano())
	req := &structs.AllocUpdateDesiredTransitionRequest{
		Allocs: map[string]*structs.DesiredTransition{alloc.ID: {Migrate: true, NoShutdownDelay: args.NoShutdownDelay}},
		Evals:  []*structs.Evaluation{eval},
	}
	_, index, err := a.srv.raftApply(structs.AllocUpdateDesiredTransitionRequestType, req)
	if err != nil {
		return fmt.Errorf("stop alloc %q: %w", alloc.ID, err)
	}
	a.logger.Info("allocation stop requested", "alloc_id", alloc.ID, "job_id", alloc.JobID, "eval_id", eval.ID, "no_shutdown_delay", args.NoShutdownDelay)
	reply.EvalID = eval.ID
	reply.Index = index
	return nil
}
