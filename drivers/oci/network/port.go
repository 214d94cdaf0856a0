package network

import (
	"fmt"
	"net"
)

// MaxPorts bounds the port mappings of one network.
const MaxPorts = 256

// PortMapping forwards a host port to a port of the container.
type PortMapping struct {
	// Label names the port in errors (the job's port label).
	Label string `json:"label,omitempty"`

	// HostPort is reached on the host (1-65535); ContainerPort is where
	// the container listens (1-65535).
	HostPort      int `json:"host_port"`
	ContainerPort int `json:"container_port"`

	// Protocol is "tcp" (the default when empty) or "udp".
	Protocol string `json:"protocol,omitempty"`

	// HostIP restricts the forward to one host address; empty is all of
	// them, loopback included.
	HostIP string `json:"host_ip,omitempty"`
}

// normalizePorts validates ports and returns a copy with defaults filled in.
func normalizePorts(ports []PortMapping) ([]PortMapping, error) {
	if len(ports) > MaxPorts {
		return nil, fmt.Errorf("%w: %d port mappings: give at most %d", ErrInvalidPort, len(ports), MaxPorts)
	}
	out := make([]PortMapping, 0, len(ports))
	for i, p := range ports {
		name := p.Label
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if p.HostPort < 1 || p.HostPort > 65535 {
			return nil, fmt.Errorf("%w: port %s: host port %d is out of range: give 1 to 65535", ErrInvalidPort, name, p.HostPort)
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			return nil, fmt.Errorf("%w: port %s: container port %d is out of range: give 1 to 65535", ErrInvalidPort, name, p.ContainerPort)
		}
		switch p.Protocol {
		case "":
			p.Protocol = "tcp"
		case "tcp", "udp":
		default:
			return nil, fmt.Errorf("%w: port %s: protocol %q is not accepted: give \"tcp\" or \"udp\"", ErrInvalidPort, name, p.Protocol)
		}
		if p.HostIP != "" {
			ip := net.ParseIP(p.HostIP)
			if ip == nil || ip.To4() == nil {
				return nil, fmt.Errorf("%w: port %s: host IP %q is not an IPv4 address: give one, or leave it empty for all", ErrInvalidPort, name, p.HostIP)
			}
			p.HostIP = ip.String()
		}
		// A host port is taken per protocol; a forward on all addresses
		// collides with one on any single address.
		for j, q := range out {
			if q.Protocol == p.Protocol && q.HostPort == p.HostPort &&
				(q.HostIP == "" || p.HostIP == "" || q.HostIP == p.HostIP) {
				other := q.Label
				if other == "" {
					other = fmt.Sprintf("#%d", j)
				}
				return nil, fmt.Errorf("%w: port %s: host port %d/%s is also used by port %s: give each a different host port", ErrInvalidPort, name, p.HostPort, p.Protocol, other)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// capabilityArgs is the portMappings runtime config the portmap plugin
// reads (CNI's CONVENTIONS: hostPort, containerPort, protocol, hostIP).
func capabilityArgs(ports []PortMapping) map[string]interface{} {
	mappings := make([]map[string]interface{}, 0, len(ports))
	for _, p := range ports {
		m := map[string]interface{}{
			"hostPort":      p.HostPort,
			"containerPort": p.ContainerPort,
			"protocol":      p.Protocol,
		}
		if p.HostIP != "" {
			m["hostIP"] = p.HostIP
		}
		mappings = append(mappings, m)
	}
	return map[string]interface{}{"portMappings": mappings}
}
