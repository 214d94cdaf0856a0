package api

import "net/url"

// ServiceRegistration is one registered instance of a service, as
// GET /v1/service/:name answers it.
type ServiceRegistration struct {
	ID          string
	ServiceName string
	Namespace   string
	NodeID      string
	Datacenter  string
	JobID       string
	AllocID     string
	Tags        []string
	Address     string
	Port        int
	// Health is "passing", "critical" or "pending" (checks not run yet).
	Health string `json:",omitempty"`
	// LB is the service's lb block (a nomadish addition).
	LB          *ServiceLB `json:",omitempty"`
	CreateIndex uint64
	ModifyIndex uint64
}

// ServiceRegistrationListStub is one namespace's services in
// GET /v1/services.
type ServiceRegistrationListStub struct {
	Namespace string
	Services  []*ServiceRegistrationStub
}

// ServiceRegistrationStub is a service name and its instances' tags.
type ServiceRegistrationStub struct {
	ServiceName string
	Tags        []string
}

// ServiceGetOptions narrow GET /v1/service/:name.
type ServiceGetOptions struct {
	// Tag keeps the instances that carry it.
	Tag string
	// Choose is Nomad's "N|KEY": a rendezvous-hashed subset of N
	// instances, stable for KEY.
	Choose string
	// All answers every instance, whatever its health (nomadish answers
	// only passing ones by default).
	All bool
}

// Services is the /v1/services and /v1/service/:name endpoints.
type Services struct{ client *Client }

// Services returns the service discovery endpoints.
func (c *Client) Services() *Services { return &Services{client: c} }

// List lists each namespace's services with their tags.
func (s *Services) List(q *QueryOptions) ([]*ServiceRegistrationListStub, *QueryMeta, error) {
	var resp []*ServiceRegistrationListStub
	qm, err := s.client.query("/v1/services", &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Get lists the instances of service name.
func (s *Services) Get(name string, opts *ServiceGetOptions, q *QueryOptions) ([]*ServiceRegistration, *QueryMeta, error) {
	if opts != nil {
		params := map[string]string{}
		if opts.Tag != "" {
			params["tag"] = opts.Tag
		}
		if opts.Choose != "" {
			params["choose"] = opts.Choose
		}
		if opts.All {
			params["all"] = "true"
		}
		q = withParams(q, params)
	}
	var resp []*ServiceRegistration
	qm, err := s.client.query("/v1/service/"+url.PathEscape(name), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Delete removes one registration of service name.
func (s *Services) Delete(name, id string, w *WriteOptions) (*WriteMeta, error) {
	return s.client.delete("/v1/service/"+url.PathEscape(name)+"/"+url.PathEscape(id), nil, w)
}
