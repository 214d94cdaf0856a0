package api

// Regions is the /v1/regions endpoint.
type Regions struct{ client *Client }

// Regions returns the regions endpoint.
func (c *Client) Regions() *Regions { return &Regions{client: c} }

// List returns the names of the regions the agent knows of via WAN gossip.
func (r *Regions) List() ([]string, error) {
	var regions []string
	if _, err := r.client.query("/v1/regions", &regions, nil); err != nil {
		return nil, err
	}
	return regions, nil
}
