package taskenv

import (
	"net"
	"strconv"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// addPorts sets the port variables of every port label the allocation
// has, in increasing order of authority: the task's networks, the group's
// networks, then the group's allocated ports (which carry the host IP).
//
//	NOMAD_HOST_IP_<l>, NOMAD_IP_<l>      host IP
//	NOMAD_HOST_PORT_<l>                  port on the host
//	NOMAD_HOST_ADDR_<l>, NOMAD_ADDR_<l>  host IP:host port
//	NOMAD_PORT_<l>                       port to bind: "to" if set, else the host port
//	NOMAD_ALLOC_PORT_<l>                 "to", only when set
func (e *Env) addPorts(p Params) {
	if p.Alloc == nil || p.Alloc.AllocatedResources == nil {
		return
	}
	ar := p.Alloc.AllocatedResources
	if p.Task != nil {
		if tr := ar.Tasks[p.Task.Name]; tr != nil {
			e.addNetworks(tr.Networks)
		}
	}
	e.addNetworks(ar.Shared.Networks)
	for _, pm := range ar.Shared.Ports {
		e.addPort(pm.Label, pm.HostIP, pm.Value, pm.To)
	}
}

func (e *Env) addNetworks(nets []*structs.NetworkResource) {
	for _, n := range nets {
		if n == nil {
			continue
		}
		for _, ports := range [][]structs.Port{n.ReservedPorts, n.DynamicPorts} {
			for _, port := range ports {
				e.addPort(port.Label, n.IP, port.Value, port.To)
			}
		}
	}
}

func (e *Env) addPort(label, ip string, value, to int) {
	if label == "" {
		return
	}
	set := func(prefix, v string) { e.env[cleanName(prefix+label)] = v }
	host := strconv.Itoa(value)
	set(HostPortPrefix, host)
	if ip != "" {
		addr := net.JoinHostPort(ip, host)
		set(HostIPPrefix, ip)
		set(IPPrefix, ip)
		set(HostAddrPrefix, addr)
		set(AddrPrefix, addr)
	}
	if to > 0 {
		set(PortPrefix, strconv.Itoa(to))
		set(AllocPortPrefix, strconv.Itoa(to))
	} else {
		set(PortPrefix, host)
	}
}
