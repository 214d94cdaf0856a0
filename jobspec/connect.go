package jobspec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

// This file decodes a service's connect block (Consul service mesh): the
// sidecar service and its proxy, the sidecar task, and a gateway, which is
// kept as written since nomadish has no mesh to configure with it.

var connectSchema = &schema{attrs: []string{"native"}, blocks: []string{"sidecar_service", "sidecar_task", "gateway"}}

func (s *scope) connect(b *hcl.Block) *api.ConsulConnect {
	c := s.content(b.Body, connectSchema)
	out := &api.ConsulConnect{}
	s.boolean(c.Attributes, "native", &out.Native)
	if sb := s.single(c.Blocks, "sidecar_service"); sb != nil {
		out.SidecarService = s.child(sb).sidecarService(sb)
	}
	if tb := s.single(c.Blocks, "sidecar_task"); tb != nil {
		out.SidecarTask = s.child(tb).sidecarTask(tb)
	}
	out.Gateway = s.opaque(c, "gateway")
	if out.Native && (out.SidecarService != nil || out.Gateway != nil) {
		s.errorf(s.def.Ptr(), "Conflicting arguments",
			"A connect block is either native = true (the service speaks the mesh itself), a sidecar_service or a gateway; give only one.")
	}
	return out
}

var sidecarServiceSchema = &schema{attrs: []string{"tags", "port", "disable_default_tcp_check", "meta"},
	blocks: []string{"proxy", "meta"}}

func (s *scope) sidecarService(b *hcl.Block) *api.ConsulSidecarService {
	c := s.content(b.Body, sidecarServiceSchema)
	out := &api.ConsulSidecarService{}
	s.strList(c.Attributes, "tags", &out.Tags)
	s.str(c.Attributes, "port", &out.Port)
	s.boolean(c.Attributes, "disable_default_tcp_check", &out.DisableDefaultTCPCheck)
	out.Meta = s.stringMap(c, "meta")
	if pb := s.single(c.Blocks, "proxy"); pb != nil {
		out.Proxy = s.child(pb).proxy(pb)
	}
	return out
}

var proxySchema = &schema{attrs: []string{"local_service_address", "local_service_port", "config"},
	blocks: []string{"config", "upstreams", "expose", "transparent_proxy"}}

func (s *scope) proxy(b *hcl.Block) *api.ConsulProxy {
	c := s.content(b.Body, proxySchema)
	a := c.Attributes
	out := &api.ConsulProxy{}
	s.str(a, "local_service_address", &out.LocalServiceAddress)
	if n, ok := s.bounded(a, "local_service_port", 0, 65535); ok {
		out.LocalServicePort = int(n)
	}
	out.Config = s.opaque(c, "config")
	for _, ub := range blocksOf(c.Blocks, "upstreams") {
		out.Upstreams = append(out.Upstreams, s.child(ub).upstream(ub))
	}
	if eb := s.single(c.Blocks, "expose"); eb != nil {
		out.Expose = s.child(eb).expose(eb)
	}
	if tb := s.single(c.Blocks, "transparent_proxy"); tb != nil {
		out.TransparentProxy = s.child(tb).transparentProxy(tb)
	}
	return out
}

var upstreamSchema = &schema{
	attrs: []string{"destination_name", "destination_namespace", "destination_peer", "destination_type",
		"local_bind_port", "local_bind_address", "local_bind_socket_path", "local_bind_socket_mode", "datacenter", "config"},
	required: []string{"destination_name"},
	blocks:   []string{"mesh_gateway", "config"},
}

var meshGatewaySchema = &schema{attrs: []string{"mode"}}

func (s *scope) upstream(b *hcl.Block) *api.ConsulUpstream {
	c := s.content(b.Body, upstreamSchema)
	a := c.Attributes
	u := &api.ConsulUpstream{}
	s.str(a, "destination_name", &u.DestinationName)
	s.str(a, "destination_namespace", &u.DestinationNamespace)
	s.str(a, "destination_peer", &u.DestinationPeer)
	s.enum(a, "destination_type", &u.DestinationType, "service", "prepared_query")
	if n, ok := s.bounded(a, "local_bind_port", 0, 65535); ok {
		u.LocalBindPort = int(n)
	}
	s.str(a, "local_bind_address", &u.LocalBindAddress)
	s.str(a, "local_bind_socket_path", &u.LocalBindSocketPath)
	s.str(a, "local_bind_socket_mode", &u.LocalBindSocketMode)
	s.str(a, "datacenter", &u.Datacenter)
	if mb := s.single(c.Blocks, "mesh_gateway"); mb != nil {
		ms := s.child(mb)
		mc := ms.content(mb.Body, meshGatewaySchema)
		u.MeshGateway = &api.ConsulMeshGateway{}
		ms.enum(mc.Attributes, "mode", &u.MeshGateway.Mode, "local", "remote", "none")
	}
	u.Config = s.opaque(c, "config")
	return u
}

var exposeSchema = &schema{blocks: []string{"path"}}

var exposePathSchema = &schema{attrs: []string{"path", "protocol", "local_path_port", "listener_port"},
	required: []string{"path", "local_path_port", "listener_port"}}

func (s *scope) expose(b *hcl.Block) *api.ConsulExposeConfig {
	c := s.content(b.Body, exposeSchema)
	out := &api.ConsulExposeConfig{}
	for _, pb := range blocksOf(c.Blocks, "path") {
		ps := s.child(pb)
		pc := ps.content(pb.Body, exposePathSchema)
		p := &api.ConsulExposePath{}
		ps.str(pc.Attributes, "path", &p.Path)
		ps.enum(pc.Attributes, "protocol", &p.Protocol, "http", "http2")
		if n, ok := ps.bounded(pc.Attributes, "local_path_port", 1, 65535); ok {
			p.LocalPathPort = int(n)
		}
		ps.str(pc.Attributes, "listener_port", &p.ListenerPort)
		out.Paths = append(out.Paths, p)
	}
	return out
}

var transparentProxySchema = &schema{attrs: []string{"uid", "outbound_port", "exclude_inbound_ports",
	"exclude_outbound_ports", "exclude_outbound_cidrs", "exclude_uids", "no_dns"}}

func (s *scope) transparentProxy(b *hcl.Block) *api.ConsulTransparentProxy {
	c := s.content(b.Body, transparentProxySchema)
	a := c.Attributes
	out := &api.ConsulTransparentProxy{}
	s.str(a, "uid", &out.UID)
	if n, ok := s.bounded(a, "outbound_port", 0, 65535); ok {
		out.OutboundPort = int(n)
	}
	s.strList(a, "exclude_inbound_ports", &out.ExcludeInboundPorts)
	var ports []string
	if s.strList(a, "exclude_outbound_ports", &ports) {
		for _, p := range ports {
			n, err := parsePort(p)
			if err != nil {
				s.errorf(a["exclude_outbound_ports"].Expr.Range().Ptr(), "Invalid port", "%q in exclude_outbound_ports: %s.", p, err)
				continue
			}
			out.ExcludeOutboundPorts = append(out.ExcludeOutboundPorts, n)
		}
	}
	s.strList(a, "exclude_outbound_cidrs", &out.ExcludeOutboundCIDRs)
	s.strList(a, "exclude_uids", &out.ExcludeUIDs)
	s.boolean(a, "no_dns", &out.NoDNS)
	return out
}

var sidecarTaskSchema = &schema{
	attrs:  []string{"name", "driver", "user", "env", "meta", "kill_timeout", "shutdown_delay", "kill_signal"},
	blocks: []string{"config", "env", "meta", "resources", "logs"},
}

func (s *scope) sidecarTask(b *hcl.Block) *api.SidecarTask {
	c := s.content(b.Body, sidecarTaskSchema)
	a := c.Attributes
	t := &api.SidecarTask{}
	s.str(a, "name", &t.Name)
	s.str(a, "driver", &t.Driver)
	s.str(a, "user", &t.User)
	t.Env = s.stringMap(c, "env")
	t.Meta = s.stringMap(c, "meta")
	t.KillTimeout = s.durationPtr(a, "kill_timeout")
	t.ShutdownDelay = s.durationPtr(a, "shutdown_delay")
	s.str(a, "kill_signal", &t.KillSignal)
	if cb := s.single(c.Blocks, "config"); cb != nil {
		// The sidecar's driver is usually docker, but its config only
		// overrides the defaults the client builds, so it is kept as
		// written rather than checked against a driver's full schema.
		t.Config = s.taskConfig(cb, "", nil)
	}
	if rb := s.single(c.Blocks, "resources"); rb != nil {
		t.Resources = s.child(rb).resources(rb)
	}
	if lb := s.single(c.Blocks, "logs"); lb != nil {
		t.LogConfig = s.child(lb).logs(lb)
	}
	return t
}

// parsePort reads a port number written as a string.
func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(p))
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("want a port number between 1 and 65535")
	}
	return n, nil
}
