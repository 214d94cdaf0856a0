package checks

import (
	"fmt"
	"net"
	"strconv"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// PortResolver returns the host:port a check of the given port label
// connects to.
type PortResolver func(label string) (string, error)

// ErrNoPort is a port label the allocation's networks do not have.
type ErrNoPort struct{ Label string }

func (e *ErrNoPort) Error() string {
	return fmt.Sprintf("the allocation has no port labelled %q", e.Label)
}

// AllocPorts resolves port labels against the ports the scheduler gave
// the allocation: the group's port mappings first, then the group's and
// the tasks' networks. A port without a host IP is reached on
// defaultHost (the node's address, or 127.0.0.1 when unknown).
func AllocPorts(alloc *structs.Allocation, defaultHost string) PortResolver {
	if defaultHost == "" {
		defaultHost = "127.0.0.1"
	}
	addrs := map[string]string{}
	set := func(label, ip string, port int) {
		if label == "" || port <= 0 {
			return
		}
		if _, ok := addrs[label]; ok {
			return
		}
		if ip == "" {
			ip = defaultHost
		}
		addrs[label] = net.JoinHostPort(ip, strconv.Itoa(port))
	}
	if alloc != nil && alloc.AllocatedResources != nil {
		ar := alloc.AllocatedResources
		for _, p := range ar.Shared.Ports {
			set(p.Label, p.HostIP, p.Value)
		}
		nets := append([]*structs.NetworkResource(nil), ar.Shared.Networks...)
		for _, t := range ar.Tasks {
			if t != nil {
				nets = append(nets, t.Networks...)
			}
		}
		for _, n := range nets {
			if n == nil {
				continue
			}
			for _, p := range n.ReservedPorts {
				set(p.Label, n.IP, p.Value)
			}
			for _, p := range n.DynamicPorts {
				set(p.Label, n.IP, p.Value)
			}
		}
	}
	return func(label string) (string, error) {
		if a, ok := addrs[label]; ok {
			return a, nil
		}
		// A port number rather than a label is taken as is, on the host.
		if n, err := strconv.Atoi(label); err == nil && n > 0 && n <= 65535 {
			return net.JoinHostPort(defaultHost, label), nil
		}
		return "", &ErrNoPort{Label: label}
	}
}
