package nomadish

import (
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
