package api

import "net/url"

// NodePool is a named set of client nodes, as GET /v1/node/pools lists.
type NodePool struct {
	Name        string
	Description string            `json:",omitempty"`
	Meta        map[string]string `json:",omitempty"`
	CreateIndex uint64
	ModifyIndex uint64
}

// NodePools is the node pools API. Writes go to the authoritative region.
type NodePools struct{ client *Client }

// NodePools returns the node pools API.
func (c *Client) NodePools() *NodePools { return &NodePools{client: c} }

// List lists the pools, the built-in ones (all, default) first.
func (n *NodePools) List(q *QueryOptions) ([]*NodePool, *QueryMeta, error) {
	var out []*NodePool
	qm, err := n.client.query("/v1/node/pools", &out, q)
	if err != nil {
		return nil, nil, err
	}
	return out, qm, nil
}

// Info returns one pool.
func (n *NodePools) Info(name string, q *QueryOptions) (*NodePool, *QueryMeta, error) {
	var out NodePool
	qm, err := n.client.query("/v1/node/pool/"+url.PathEscape(name), &out, q)
	if err != nil {
		return nil, nil, err
	}
	return &out, qm, nil
}

// Register creates or updates a pool.
func (n *NodePools) Register(pool *NodePool, w *WriteOptions) (*WriteMeta, error) {
	return n.client.put("/v1/node/pools", pool, nil, w)
}

// Delete removes a pool; one that nodes or jobs name is refused.
func (n *NodePools) Delete(name string, w *WriteOptions) (*WriteMeta, error) {
	return n.client.delete("/v1/node/pool/"+url.PathEscape(name), nil, w)
}

// ReplicationStatus is how a region's leader follows the authoritative
// region (GET /v1/operator/replication).
type ReplicationStatus struct {
	Region string
	Status struct {
		AuthoritativeRegion string
		Enabled             bool
		LastIndex           uint64
		LastReplicatedTime  int64
		LastError           string
		LastErrorTime       int64
	}
}

// Replication returns the replication status of the region asked.
func (o *Operator) Replication(q *QueryOptions) (*ReplicationStatus, *QueryMeta, error) {
	var out ReplicationStatus
	qm, err := o.client.query("/v1/operator/replication", &out, q)
	if err != nil {
		return nil, nil, err
	}
	return &out, qm, nil
}
