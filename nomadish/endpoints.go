package nomadish

import (
	"fmt"
	"net/rpc"

	"github.com/hashicorp/go-hclog"
)

// endpoint names one net/rpc service and builds its receiver.
type endpoint struct {
	name string
	new  func(s *Server, logger hclog.Logger) interface{}
}

// endpoints lists every RPC service the server registers. Each service is
// a struct like `type Status struct{ srv *Server; logger hclog.Logger }`
// whose exported methods `func (e *T) M(args *A, reply *R) error` become
// "T.M".
var endpoints = []endpoint{
	{"Status", func(s *Server, l hclog.Logger) interface{} { return &Status{srv: s, logger: l} }},
	{"Operator", func(s *Server, l hclog.Logger) interface{} { return &Operator{srv: s, logger: l} }},
	{"Job", func(s *Server, l hclog.Logger) interface{} { return &Job{srv: s, logger: l} }},
	{"Node", func(s *Server, l hclog.Logger) interface{} { return &Node{srv: s, logger: l} }},
	{"Alloc", func(s *Server, l hclog.Logger) interface{} { return &Alloc{srv: s, logger: l} }},
	{"Eval", func(s *Server, l hclog.Logger) interface{} { return &Eval{srv: s, logger: l} }},
	{"Deployment", func(s *Server, l hclog.Logger) interface{} { return &Deployment{srv: s, logger: l} }},
	{"Plan", func(s *Server, l hclog.Logger) interface{} { return &Plan{srv: s, logger: l} }},
	{"Scaling", func(s *Server, l hclog.Logger) interface{} { return &Scaling{srv: s, logger: l} }},
	{"ServiceRegistration", func(s *Server, l hclog.Logger) interface{} { return &ServiceRegistration{srv: s, logger: l} }},
	{"NodePool", func(s *Server, l hclog.Logger) interface{} { return &NodePool{srv: s, logger: l} }},
}

// setupRPCEndpoints registers every endpoint on srv.
func (s *Server) setupRPCEndpoints(srv *rpc.Server) error {
	for _, e := range endpoints {
		if err := srv.RegisterName(e.name, e.new(s, s.logger.Named(e.name))); err != nil {
			return fmt.Errorf("register %s endpoint: %w", e.name, err)
		}
	}
	return nil
}
