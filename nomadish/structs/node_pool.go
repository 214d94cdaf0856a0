package structs

import (
	"fmt"
	"regexp"
	"sort"
)

// Built-in node pools: every node is in "all", and a node that names no
// pool is in "default". Both always exist and cannot be written or
// removed.
const (
	NodePoolAll     = "all"
	NodePoolDefault = "default"
)

// Bounds of a node pool.
const (
	MaxNodePoolNameLen        = 128
	MaxNodePoolDescriptionLen = 256
	MaxNodePoolMeta           = 64
	MaxNodePoolsPerWrite      = 64
)

var validNodePoolName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// NodePool is a named set of client nodes (those whose node_pool names
// it), which jobs select with node_pool. Pools are cluster-wide: written
// in the authoritative region and replicated to the others.
type NodePool struct {
	Name        string
	Description string            `json:",omitempty"`
	Meta        map[string]string `json:",omitempty"`
	CreateIndex uint64
	ModifyIndex uint64
}

// Copy returns a deep copy of p.
func (p *NodePool) Copy() *NodePool {
	if p == nil {
		return nil
	}
	c := *p
	if p.Meta != nil {
		c.Meta = make(map[string]string, len(p.Meta))
		for k, v := range p.Meta {
			c.Meta[k] = v
		}
	}
	return &c
}

// Equal reports whether p and o describe the same pool, indexes aside.
func (p *NodePool) Equal(o *NodePool) bool {
	if p == nil || o == nil {
		return p == o
	}
	if p.Name != o.Name || p.Description != o.Description || len(p.Meta) != len(o.Meta) {
		return false
	}
	for k, v := range p.Meta {
		if ov, ok := o.Meta[k]; !ok || ov != v {
			return false
		}
	}
	return true
}

// IsBuiltinNodePool reports whether name is "all" or "default".
func IsBuiltinNodePool(name string) bool { return name == NodePoolAll || name == NodePoolDefault }

// BuiltinNodePools are the pools that always exist.
func BuiltinNodePools() []*NodePool {
	return []*NodePool{
		{Name: NodePoolAll, Description: "Every client node"},
		{Name: NodePoolDefault, Description: "Client nodes that name no pool"},
	}
}

// Validate reports what is wrong with a pool to write, under path.
func (p *NodePool) Validate(path string) []FieldError {
	var out []FieldError
	fail := func(field, format string, args ...interface{}) {
		out = append(out, FieldError{Path: path + field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case p.Name == "":
		fail("Name", "required")
	case len(p.Name) > MaxNodePoolNameLen || !validNodePoolName.MatchString(p.Name):
		fail("Name", "%q is not a pool name; accepted: letters, digits, - and _, at most %d characters", p.Name, MaxNodePoolNameLen)
	case IsBuiltinNodePool(p.Name):
		fail("Name", "%q is a built-in pool (all, default) and cannot be written", p.Name)
	}
	if len(p.Description) > MaxNodePoolDescriptionLen {
		fail("Description", "%d characters; at most %d are accepted", len(p.Description), MaxNodePoolDescriptionLen)
	}
	if len(p.Meta) > MaxNodePoolMeta {
		fail("Meta", "%d keys; at most %d are accepted", len(p.Meta), MaxNodePoolMeta)
	}
	keys := make([]string, 0, len(p.Meta))
	for k := range p.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || len(k) > MaxNodePoolNameLen || len(p.Meta[k]) > MaxNodePoolDescriptionLen {
			fail("Meta", "key %q: keys must be 1-%d characters and values at most %d", k, MaxNodePoolNameLen, MaxNodePoolDescriptionLen)
		}
	}
	return out
}

// NodePoolUpsertRequest writes node pools; it is also the Raft entry.
type NodePoolUpsertRequest struct {
	NodePools []*NodePool
	// Replicated marks the replication loop's copy of the authoritative
	// region's pools, written as they are.
	Replicated bool
	WriteRequest
}

// NodePoolDeleteRequest removes node pools by name; it is also the Raft
// entry.
type NodePoolDeleteRequest struct {
	Names      []string
	Replicated bool
	WriteRequest
}

// NodePoolSpecificRequest asks for one pool.
type NodePoolSpecificRequest struct {
	Name string
	QueryOptions
}

// SingleNodePoolResponse is one pool, nil when it does not exist.
type SingleNodePoolResponse struct {
	NodePool *NodePool
	QueryMeta
}

// NodePoolListRequest lists the pools.
type NodePoolListRequest struct {
	QueryOptions
}

// NodePoolListResponse lists the pools, built-in ones first.
type NodePoolListResponse struct {
	NodePools []*NodePool
	QueryMeta
}

// ReplicationStatus is how a region's leader follows the authoritative
// region's cluster-wide objects.
type ReplicationStatus struct {
	AuthoritativeRegion string
	// Enabled is false in the authoritative region itself, and where
	// none is configured.
	Enabled bool
	// LastIndex is the authoritative region's index last copied, and
	// LastReplicatedTime when (unix nanoseconds).
	LastIndex          uint64
	LastReplicatedTime int64
	// LastError is the last failure, cleared by the next success.
	LastError     string `json:",omitempty"`
	LastErrorTime int64  `json:",omitempty"`
}

// ReplicationStatusResponse answers Operator.ReplicationStatus.
type ReplicationStatusResponse struct {
	Region string
	Status ReplicationStatus
	QueryMeta
}
