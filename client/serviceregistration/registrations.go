package serviceregistration

import (
	"net"
	"strconv"

	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Provider values of a service block.
const (
	ProviderNomad  = "nomad"
	ProviderConsul = "consul"
)

// Inputs are what Build needs to know of the allocation beyond its job.
type Inputs struct {
	Alloc *structs.Allocation
	Node  *structs.Node
	// Running reports whether a task is running now: a task's services
	// are registered only then, a group's while any task runs.
	Running func(task string) bool
	// Health is a service's health from its checks; nil treats every
	// service with checks as pending.
	Health func(service string) string
}

// Skipped is a service Build left out, and why, for the caller to log.
type Skipped struct {
	Service string
	Reason  string
}

// Build returns the registrations the allocation should hold now, ordered
// as the job declares its services (group first, then tasks in order).
func Build(in Inputs) ([]*structs.ServiceRegistration, []Skipped) {
	a := in.Alloc
	if a == nil || a.Job == nil {
		return nil, nil
	}
	tg := a.Job.LookupTaskGroup(a.TaskGroup)
	if tg == nil {
		return nil, nil
	}
	host := ""
	dc := ""
	nodeID := a.NodeID
	if in.Node != nil {
		host = in.Node.Attributes["unique.network.ip-address"]
		dc = in.Node.Datacenter
		if nodeID == "" {
			nodeID = in.Node.ID
		}
	}
	ports := checks.AllocPorts(a, host)
	canary := a.DeploymentStatus != nil && a.DeploymentStatus.Canary

	var out []*structs.ServiceRegistration
	var skipped []Skipped
	add := func(owner string, s *structs.Service) {
		if s == nil {
			return
		}
		switch s.Provider {
		case "", ProviderNomad:
		default:
			skipped = append(skipped, Skipped{s.Name, "provider " + strconv.Quote(s.Provider) + " is not registered by nomadish"})
			return
		}
		addr, port, ok := resolve(s, ports, host)
		if !ok {
			skipped = append(skipped, Skipped{s.Name, "port " + strconv.Quote(s.PortLabel) + " is not in the allocation's network"})
			return
		}
		tags := s.Tags
		if canary && len(s.CanaryTags) > 0 {
			tags = s.CanaryTags
		}
		health := structs.ServiceHealthPassing
		if len(s.Checks) > 0 {
			health = structs.ServiceHealthPending
			if in.Health != nil {
				health = in.Health(s.Name)
			}
		}
		out = append(out, &structs.ServiceRegistration{
			ID:          structs.ServiceRegistrationID(a.ID, owner, s.Name, s.PortLabel),
			ServiceName: s.Name,
			Namespace:   a.Namespace,
			NodeID:      nodeID,
			Datacenter:  dc,
			JobID:       a.JobID,
			AllocID:     a.ID,
			Tags:        append([]string(nil), tags...),
			Address:     addr,
			Port:        port,
			Health:      health,
			LB:          s.LB.Copy(),
		})
	}
	anyRunning := false
	for _, t := range tg.Tasks {
		anyRunning = anyRunning || (t != nil && in.Running != nil && in.Running(t.Name))
	}
	if anyRunning {
		for _, s := range tg.Services {
			add(tg.Name, s)
		}
	}
	for _, t := range tg.Tasks {
		if t == nil || in.Running == nil || !in.Running(t.Name) {
			continue
		}
		for _, s := range t.Services {
			add(t.Name, s)
		}
	}
	return out, skipped
}

// resolve finds a service's address and port. The port label is looked
// up in the allocation's networks; a label that is a number is that port
// (Nomad accepts both). address overrides the host part, as
// address_mode = "auto" with an address does in Nomad. A service with no
// port registers the node's address with port 0.
func resolve(s *structs.Service, ports checks.PortResolver, nodeHost string) (string, int, bool) {
	if s.PortLabel == "" {
		if s.Address != "" {
			return s.Address, 0, true
		}
		return nodeHost, 0, true
	}
	hp, err := ports(s.PortLabel)
	if err != nil {
		n, perr := strconv.Atoi(s.PortLabel)
		if perr != nil || n <= 0 || n > 65535 {
			return "", 0, false
		}
		hp = net.JoinHostPort(nodeHost, strconv.Itoa(n))
	}
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, false
	}
	port, _ := strconv.Atoi(p)
	if s.Address != "" {
		host = s.Address
	}
	return host, port, true
}
