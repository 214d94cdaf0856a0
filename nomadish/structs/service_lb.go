package structs

import (
	"strings"
)

// ServiceLB is a service's `lb` block (a nomadish addition; Nomad has
// none): every client agent listens on Listen and balances the
// connections or requests it gets over the passing instances of the
// service.
type ServiceLB struct {
	// Listen is the port every client node listens on, 1-65535.
	Listen int
	// Mode is LBModeHTTP (the default) or LBModeTCP.
	Mode string `json:",omitempty"`
	// Algorithm is LBRoundRobin (the default) or LBLeastConn.
	Algorithm string `json:",omitempty"`
	// Routes, in HTTP mode, are the requests this service takes when
	// several share one listen port; none means every request.
	Routes []*ServiceLBRoute `json:",omitempty"`
}

// ServiceLBRoute matches HTTP requests by Host (without the port) and
// path prefix; an empty field matches everything.
type ServiceLBRoute struct {
	Host       string `json:",omitempty"`
	PathPrefix string `json:",omitempty"`
}

// Values of ServiceLB.Mode and ServiceLB.Algorithm.
const (
	LBModeHTTP   = "http"
	LBModeTCP    = "tcp"
	LBRoundRobin = "round_robin"
	LBLeastConn  = "least_conn"
)

// Bounds of an lb block.
const (
	MaxLBRoutes        = 32
	MaxLBRouteFieldLen = 253
)

// Canonicalize fills the defaults.
func (l *ServiceLB) Canonicalize() {
	if l == nil {
		return
	}
	if l.Mode == "" {
		l.Mode = LBModeHTTP
	}
	if l.Algorithm == "" {
		l.Algorithm = LBRoundRobin
	}
}

// Copy returns a deep copy of l.
func (l *ServiceLB) Copy() *ServiceLB {
	if l == nil {
		return nil
	}
	c := *l
	c.Routes = nil
	for _, r := range l.Routes {
		if r != nil {
			rc := *r
			c.Routes = append(c.Routes, &rc)
		}
	}
	return &c
}

// Equal reports whether l and o configure the same balancer.
func (l *ServiceLB) Equal(o *ServiceLB) bool {
	if l == nil || o == nil {
		return l == o
	}
	if l.Listen != o.Listen || l.Mode != o.Mode || l.Algorithm != o.Algorithm || len(l.Routes) != len(o.Routes) {
		return false
	}
	for i := range l.Routes {
		a, b := l.Routes[i], o.Routes[i]
		if (a == nil) != (b == nil) || a != nil && *a != *b {
			return false
		}
	}
	return true
}

// validate reports l's problems under lv, the lb block's validator.
func (l *ServiceLB) validate(lv validator) {
	if l.Listen < 1 || l.Listen > 65535 {
		lv.fail("Listen", "%d is not a port; accepted: 1 to 65535", l.Listen)
	}
	switch l.Mode {
	case "", LBModeHTTP, LBModeTCP:
	default:
		lv.fail("Mode", "unknown mode %q; accepted: %q, %q", l.Mode, LBModeHTTP, LBModeTCP)
	}
	switch l.Algorithm {
	case "", LBRoundRobin, LBLeastConn:
	default:
		lv.fail("Algorithm", "unknown algorithm %q; accepted: %q, %q", l.Algorithm, LBRoundRobin, LBLeastConn)
	}
	if len(l.Routes) > 0 && l.Mode == LBModeTCP {
		lv.fail("Routes", "route blocks need mode = %q: a TCP balancer sees no host or path", LBModeHTTP)
	}
	if len(l.Routes) > MaxLBRoutes {
		lv.fail("Routes", "%d route blocks; at most %d are accepted", len(l.Routes), MaxLBRoutes)
	}
	for i, r := range l.Routes {
		rv := lv.index("Routes", i)
		if r == nil {
			rv.fail("", "null; a route block is required here")
			continue
		}
		if len(r.Host) > MaxLBRouteFieldLen || strings.ContainsAny(r.Host, " /:\t\r\n") {
			rv.fail("Host", "%q is not a host name; accepted: a host name of at most %d characters, without port or path", r.Host, MaxLBRouteFieldLen)
		}
		if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
			rv.fail("PathPrefix", "%q must start with \"/\"", r.PathPrefix)
		}
		if len(r.PathPrefix) > 4*MaxLBRouteFieldLen {
			rv.fail("PathPrefix", "%d characters; at most %d are accepted", len(r.PathPrefix), 4*MaxLBRouteFieldLen)
		}
	}
}
