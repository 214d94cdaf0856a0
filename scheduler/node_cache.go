package scheduler

import (
	"fmt"
	"strings"
	"sync"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodesTable is the state store's table of nodes, whose index NodeCache
// keys on.
const nodesTable = "nodes"

// NodeListState is an optional ability of a State: it returns every node
// as a slice, faster than iterating Nodes (see NodeCache). The scheduler
// never modifies the slice or the nodes.
type NodeListState interface {
	NodeList() ([]*structs.Node, error)
}

// TableIndexState is a State that also reports the Raft index of the
// latest write to a table, as the server's state snapshot does.
type TableIndexState interface {
	State
	Index(table string) (uint64, error)
}

// NodeCache keeps the node list of the newest state it has seen, keyed
// by the index of the nodes table, so that evaluations on an unchanged
// node set do not each iterate thousands of nodes: at 5,000 nodes that
// iteration costs more than placing ten allocations. A server keeps one
// NodeCache for all its workers and wraps every snapshot it schedules on
// with Wrap. It is safe for concurrent use.
type NodeCache struct {
	mu    sync.Mutex // guards the fields below
	index uint64
	nodes []*structs.Node
	ready map[string]*readySet // by pool and datacenters, at index
}

// maxReadySets bounds the readyNodes answers kept for one node list.
const maxReadySets = 64

// readySet is one readyNodes answer.
type readySet struct {
	nodes  []*structs.Node
	byDC   map[string]int
	inPool int
}

// Wrap returns s with NodeList answered from the cache.
func (c *NodeCache) Wrap(s TableIndexState) State {
	return &cachedNodesState{TableIndexState: s, cache: c}
}

type cachedNodesState struct {
	TableIndexState
	cache *NodeCache
}

// UsageCache passes on the wrapped state's usage cache, if it has one.
func (s *cachedNodesState) UsageCache() structs.UsageView {
	if u, ok := s.TableIndexState.(UsageCacheState); ok {
		return u.UsageCache()
	}
	return structs.UsageView{}
}

// NodeList returns the cached list when it was built at the snapshot's
// nodes index; otherwise it iterates, and keeps the result unless the
// snapshot is older than what is cached.
func (s *cachedNodesState) NodeList() ([]*structs.Node, error) {
	idx, err := s.Index(nodesTable)
	if err != nil {
		return nil, fmt.Errorf("nodes index: %w", err)
	}
	c := s.cache
	c.mu.Lock()
	if c.nodes != nil && c.index == idx {
		nodes := c.nodes
		c.mu.Unlock()
		return nodes, nil
	}
	c.mu.Unlock()
	nodes, err := iterateNodes(s.TableIndexState)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if idx > c.index || c.nodes == nil {
		c.index, c.nodes, c.ready = idx, nodes, nil
	}
	c.mu.Unlock()
	return nodes, nil
}

// readyNodes remembers filterReady per node pool and datacenter list for
// the cached node list. The per-datacenter counts are shared: callers
// must not modify them.
func (s *cachedNodesState) readyNodes(job *structs.Job) ([]*structs.Node, map[string]int, int, error) {
	all, err := s.NodeList()
	if err != nil {
		return nil, nil, 0, err
	}
	key := jobPool(job) + "\x00" + strings.Join(job.Datacenters, "\x00")
	c := s.cache
	c.mu.Lock()
	shared := len(c.nodes) > 0 && len(all) > 0 && &c.nodes[0] == &all[0]
	if shared {
		if r, ok := c.ready[key]; ok {
			c.mu.Unlock()
			return r.nodes, r.byDC, r.inPool, nil
		}
	}
	c.mu.Unlock()
	nodes, byDC, inPool := filterReady(all, job)
	if shared {
		c.mu.Lock()
		if len(c.nodes) > 0 && &c.nodes[0] == &all[0] {
			if c.ready == nil || len(c.ready) >= maxReadySets {
				c.ready = map[string]*readySet{}
			}
			c.ready[key] = &readySet{nodes: nodes, byDC: byDC, inPool: inPool}
		}
		c.mu.Unlock()
	}
	return nodes, byDC, inPool, nil
}

// SchedulerConfig passes the wrapped state's configuration through.
func (s *cachedNodesState) SchedulerConfig() (uint64, *structs.SchedulerConfiguration, error) {
	if cs, ok := s.TableIndexState.(SchedulerConfigState); ok {
		return cs.SchedulerConfig()
	}
	return 0, structs.DefaultSchedulerConfiguration(), nil
}

// allNodes lists every node, through NodeListState when the state has it.
func allNodes(state State) ([]*structs.Node, error) {
	if nl, ok := state.(NodeListState); ok {
		return nl.NodeList()
	}
	return iterateNodes(state)
}

func iterateNodes(state State) ([]*structs.Node, error) {
	it, err := state.Nodes(nil)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	var out []*structs.Node
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*structs.Node))
	}
	return out, nil
}
