package api

// Operator is the /v1/operator endpoints for cluster maintenance.
type Operator struct{ client *Client }

// Operator returns the operator endpoints.
func (c *Client) Operator() *Operator { return &Operator{client: c} }

// RaftConfiguration is the Raft peer set as of Raft index Index.
type RaftConfiguration struct {
	Index   uint64
	Servers []*RaftServer
}

// RaftServer is one Raft peer. Address is its Raft (RPC) address; Node its
// agent name.
type RaftServer struct {
	ID           string
	Node         string
	Address      string
	Leader       bool
	Voter        bool
	RaftProtocol string
}

// RaftGetConfiguration reads the Raft peer set of the region in q.
func (o *Operator) RaftGetConfiguration(q *QueryOptions) (*RaftConfiguration, error) {
	var resp RaftConfiguration
	if _, err := o.client.query("/v1/operator/raft/configuration", &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}
