package nomadish

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// NodePool is the node pools endpoint. Pools are cluster-wide: writes go
// to the authoritative region (server { authoritative_region }), whose
// pools every other region's leader replicates (replication.go). Reads
// answer from the region asked.
type NodePool struct {
	srv    *Server
	logger hclog.Logger
}

// List lists the pools, the built-in ones first.
func (p *NodePool) List(args *structs.NodePoolListRequest, reply *structs.NodePoolListResponse) error {
	if done, err := p.srv.forward("NodePool.List", args, args, reply); done {
		return err
	}
	return p.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			reply.NodePools = structs.BuiltinNodePools()
			it, err := st.NodePools(ws)
			if err != nil {
				return err
			}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				reply.NodePools = append(reply.NodePools, raw.(*structs.NodePool))
			}
			return setTableIndex(st, &reply.QueryMeta, "node_pools")
		},
	})
}

// GetNodePool returns one pool, nil when there is none of that name.
func (p *NodePool) GetNodePool(args *structs.NodePoolSpecificRequest, reply *structs.SingleNodePoolResponse) error {
	if done, err := p.srv.forward("NodePool.GetNodePool", args, args, reply); done {
		return err
	}
	return p.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			pool, err := st.NodePoolByName(ws, args.Name)
			if err != nil {
				return err
			}
			reply.NodePool = pool
			return setTableIndex(st, &reply.QueryMeta, "node_pools")
		},
	})
}

// authoritative points a cluster-wide write at the authoritative region:
// a write sent to another region is forwarded there.
func (p *NodePool) authoritative(w *structs.WriteRequest) {
	if auth := p.srv.config.AuthoritativeRegion; auth != "" && !w.IsForwarded() {
		w.Region = auth
	}
}

// UpsertNodePools writes pools in the authoritative region.
func (p *NodePool) UpsertNodePools(args *structs.NodePoolUpsertRequest, reply *structs.GenericResponse) error {
	p.authoritative(&args.WriteRequest)
	if done, err := p.srv.forward("NodePool.UpsertNodePools", args, args, reply); done {
		return err
	}
	if len(args.NodePools) == 0 {
		return invalid("NodePools", "required: at least one pool")
	}
	if len(args.NodePools) > structs.MaxNodePoolsPerWrite {
		return invalid("NodePools", "%d pools; at most %d are accepted in one write", len(args.NodePools), structs.MaxNodePoolsPerWrite)
	}
	var problems []structs.FieldError
	for i, pool := range args.NodePools {
		if pool == nil {
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("NodePools[%d]", i), Message: "null; want a node pool object"})
			continue
		}
		problems = append(problems, pool.Validate(fmt.Sprintf("NodePools[%d].", i))...)
	}
	if len(problems) > 0 {
		return &structs.ValidationError{Problems: problems}
	}
	args.Replicated = false
	_, index, err := p.srv.raftApply(structs.NodePoolUpsertRequestType, args)
	if err != nil {
		return fmt.Errorf("write node pools: %w", err)
	}
	reply.Index = index
	return nil
}

// DeleteNodePools removes pools in the authoritative region. A built-in
// pool, or one that nodes or jobs of the region still name, is refused.
func (p *NodePool) DeleteNodePools(args *structs.NodePoolDeleteRequest, reply *structs.GenericResponse) error {
	p.authoritative(&args.WriteRequest)
	if done, err := p.srv.forward("NodePool.DeleteNodePools", args, args, reply); done {
		return err
	}
	if len(args.Names) == 0 {
		return invalid("Names", "required: at least one pool name")
	}
	st := p.srv.State()
	for _, name := range args.Names {
		if structs.IsBuiltinNodePool(name) {
			return invalid("Names", "%q is a built-in pool (all, default) and cannot be removed", name)
		}
		pool, err := st.NodePoolByName(nil, name)
		if err != nil {
			return err
		}
		if pool == nil {
			return fmt.Errorf("node pool %q: %w", name, structs.ErrNotFound)
		}
		if users, err := poolUsers(st, name); err != nil {
			return err
		} else if users != "" {
			return invalid("Names", "node pool %q is still in use in region %q (%s); move them to another pool first", name, p.srv.Region(), users)
		}
	}
	args.Replicated = false
	_, index, err := p.srv.raftApply(structs.NodePoolDeleteRequestType, args)
	if err != nil {
		return fmt.Errorf("delete node pools: %w", err)
	}
	reply.Index = index
	return nil
}

// poolUsers says which nodes and jobs of the region name pool, "" when
// none do.
func poolUsers(st *state.StateStore, pool string) (string, error) {
	nodes, jobs := 0, 0
	it, err := st.Nodes(nil)
	if err != nil {
		return "", err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if raw.(*structs.Node).NodePool == pool {
			nodes++
		}
	}
	it, err = st.Jobs(nil)
	if err != nil {
		return "", err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if j := raw.(*structs.Job); j.NodePool == pool && !j.Stop {
			jobs++
		}
	}
	if nodes == 0 && jobs == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d nodes, %d jobs", nodes, jobs), nil
}
