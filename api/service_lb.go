package api

// ServiceLB is a service's lb block (a nomadish addition): every client
// agent listens on Listen and balances over the service's passing
// instances. Mode is "http" (the default) or "tcp"; Algorithm
// "round_robin" (the default) or "least_conn".
type ServiceLB struct {
	Listen    int
	Mode      string            `json:",omitempty"`
	Algorithm string            `json:",omitempty"`
	Routes    []*ServiceLBRoute `json:",omitempty"`
}

// ServiceLBRoute sends the HTTP requests for Host (without port) whose
// path starts with PathPrefix to the service; an empty field matches all.
type ServiceLBRoute struct {
	Host       string `json:",omitempty"`
	PathPrefix string `json:",omitempty"`
}
