package agent

import (
	"context"
	"time"

	"github.com/nomadish/nomadish/command/agent/lb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// lbWait bounds one blocking query of the load balancer's watch.
const lbWait = 5 * time.Minute

// lbSource reads the balanced services of the agent's region through the
// agent's backend (its own server, or the client's servers).
type lbSource struct {
	backend backend
	region  string
}

func (s lbSource) Balanced(ctx context.Context, index uint64) ([]*structs.ServiceRegistration, uint64, error) {
	req := &structs.ServiceRegistrationListRequest{QueryOptions: structs.QueryOptions{
		Region: s.region, AllowStale: true, MinQueryIndex: index, MaxQueryTime: lbWait}}
	var resp structs.ServiceRegistrationByNameResponse
	if err := s.backend.RPC("ServiceRegistration.ListBalanced", req, &resp); err != nil {
		return nil, 0, err
	}
	return resp.Services, resp.Index, nil
}

// startLB starts the client's load balancer unless client.lb turns it
// off. It follows the services table until the agent shuts down.
func (a *Agent) startLB(b backend) {
	cc := a.config.Client
	if a.client == nil || !cc.lbEnabled() {
		return
	}
	cfg := lb.Config{
		BindAddr: a.config.BindAddr,
		Source:   lbSource{backend: b, region: a.config.Region},
		Logger:   a.logger.Named("lb"),
	}
	if cc.LB != nil {
		if cc.LB.Address != "" {
			cfg.BindAddr = cc.LB.Address
		}
		if cc.LB.DrainTimeout != "" {
			cfg.DrainTimeout, _ = positiveDuration(cc.LB.DrainTimeout) // validated
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.lb, a.lbStop = lb.New(cfg), cancel
	go a.lb.Run(ctx)
	a.logger.Info("load balancer started", "address", cfg.BindAddr)
}

// stopLB closes the balancer's ports; requests in flight get a moment.
func (a *Agent) stopLB() {
	if a.lb == nil {
		return
	}
	a.lbStop()
	a.lb.Close()
}

// LBAddr is the address the load balancer serves port on; "" when the
// port is not open.
func (a *Agent) LBAddr(port int) string {
	if a.lb == nil {
		return ""
	}
	return a.lb.Addr(port)
}
