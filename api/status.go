package api

// Status is the /v1/status endpoints, which describe the Raft group of the
// region that answers.
type Status struct{ client *Client }

// Status returns the status endpoints.
func (c *Client) Status() *Status { return &Status{client: c} }

// Leader returns the RPC address ("host:port") of the region's Raft leader,
// or "" when there is none.
func (s *Status) Leader() (string, error) {
	return s.LeaderOpts(nil)
}

// LeaderOpts is Leader for the region named in q.
func (s *Status) LeaderOpts(q *QueryOptions) (string, error) {
	var leader string
	if _, err := s.client.query("/v1/status/leader", &leader, q); err != nil {
		return "", err
	}
	return leader, nil
}

// Peers returns the RPC addresses of the region's Raft peers.
func (s *Status) Peers() ([]string, error) {
	var peers []string
	if _, err := s.client.query("/v1/status/peers", &peers, nil); err != nil {
		return nil, err
	}
	return peers, nil
}
