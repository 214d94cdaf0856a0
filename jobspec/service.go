package jobspec

import (
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var serviceSchema = &schema{
	attrs: []string{"name", "port", "tags", "canary_tags", "enable_tag_override", "address_mode", "address",
		"provider", "task", "meta", "canary_meta", "tagged_addresses", "on_update", "cluster", "kind"},
	blocks: []string{"check", "meta", "canary_meta", "tagged_addresses", "check_restart", "connect", "identity", "weights", "lb"},
}

var lbSchema = &schema{attrs: []string{"listen", "mode", "algorithm"}, required: []string{"listen"}, blocks: []string{"route"}}

var lbRouteSchema = &schema{attrs: []string{"host", "path_prefix"}}

// lb decodes a service's lb block (a nomadish addition).
func (s *scope) lb(b *hcl.Block) *api.ServiceLB {
	c := s.content(b.Body, lbSchema)
	lb := &api.ServiceLB{Mode: "http", Algorithm: "round_robin"}
	if n, ok := s.bounded(c.Attributes, "listen", 1, 65535); ok {
		lb.Listen = int(n)
	}
	s.enum(c.Attributes, "mode", &lb.Mode, "http", "tcp")
	s.enum(c.Attributes, "algorithm", &lb.Algorithm, "round_robin", "least_conn")
	for _, rb := range blocksOf(c.Blocks, "route") {
		rs := s.child(rb)
		rc := rs.content(rb.Body, lbRouteSchema)
		r := &api.ServiceLBRoute{}
		rs.str(rc.Attributes, "host", &r.Host)
		rs.str(rc.Attributes, "path_prefix", &r.PathPrefix)
		lb.Routes = append(lb.Routes, r)
	}
	return lb
}

// onUpdateModes are what a service's or check's on_update accepts.
var onUpdateModes = []string{"require_healthy", "ignore_warnings", "ignore"}

var weightsSchema = &schema{attrs: []string{"passing", "warning"}}

var checkRestartSchema = &schema{attrs: []string{"limit", "grace", "ignore_warnings"}}

// checkRestart decodes a check_restart block of a service or check.
func (s *scope) checkRestart(b *hcl.Block) *api.CheckRestart {
	c := s.content(b.Body, checkRestartSchema)
	cr := &api.CheckRestart{Grace: time.Second}
	if n, ok := s.bounded(c.Attributes, "limit", 0, 1<<20); ok {
		cr.Limit = int(n)
	}
	s.duration(c.Attributes, "grace", &cr.Grace)
	s.boolean(c.Attributes, "ignore_warnings", &cr.IgnoreWarnings)
	return cr
}

func (s *scope) service(b *hcl.Block) *api.Service {
	c := s.content(b.Body, serviceSchema)
	a := c.Attributes
	svc := &api.Service{}
	s.str(a, "name", &svc.Name)
	s.portLabel(a, "port", &svc.PortLabel)
	s.strList(a, "tags", &svc.Tags)
	s.strList(a, "canary_tags", &svc.CanaryTags)
	s.boolean(a, "enable_tag_override", &svc.EnableTagOverride)
	s.enum(a, "address_mode", &svc.AddressMode, "alloc", "alloc_ipv6", "auto", "driver", "host")
	s.str(a, "address", &svc.Address)
	s.enum(a, "provider", &svc.Provider, "nomad", "consul")
	s.str(a, "task", &svc.TaskName)
	svc.Meta = s.stringMap(c, "meta")
	svc.CanaryMeta = s.stringMap(c, "canary_meta")
	svc.TaggedAddresses = s.stringMap(c, "tagged_addresses")
	s.enum(a, "on_update", &svc.OnUpdate, onUpdateModes...)
	s.str(a, "cluster", &svc.Cluster)
	s.str(a, "kind", &svc.Kind)
	if wb := s.single(c.Blocks, "weights"); wb != nil {
		ws := s.child(wb)
		wc := ws.content(wb.Body, weightsSchema)
		svc.Weights = &api.ServiceWeights{Passing: 1, Warning: 1}
		if n, ok := ws.bounded(wc.Attributes, "passing", 1, 65535); ok {
			svc.Weights.Passing = int(n)
		}
		if n, ok := ws.bounded(wc.Attributes, "warning", 1, 65535); ok {
			svc.Weights.Warning = int(n)
		}
	}
	if lb := s.single(c.Blocks, "lb"); lb != nil {
		svc.LB = s.child(lb).lb(lb)
	}
	if ib := s.single(c.Blocks, "identity"); ib != nil {
		svc.Identity = s.child(ib).identity(ib)
	}
	if cb := s.single(c.Blocks, "connect"); cb != nil {
		svc.Connect = s.child(cb).connect(cb)
	}
	if rb := s.single(c.Blocks, "check_restart"); rb != nil {
		svc.CheckRestart = s.child(rb).checkRestart(rb)
	}
	for _, cb := range blocksOf(c.Blocks, "check") {
		svc.Checks = append(svc.Checks, s.child(cb).check(cb))
	}
	return svc
}

var checkSchema = &schema{
	attrs: []string{"name", "type", "command", "args", "path", "protocol", "port", "expose", "address_mode",
		"interval", "timeout", "initial_status", "method", "header", "body", "task",
		"success_before_passing", "failures_before_critical", "failures_before_warning", "on_update",
		"grpc_service", "grpc_use_tls", "tls_server_name", "tls_skip_verify", "notes"},
	blocks: []string{"header", "check_restart"},
}

func (s *scope) check(b *hcl.Block) api.ServiceCheck {
	c := s.content(b.Body, checkSchema)
	a := c.Attributes
	var ck api.ServiceCheck
	s.str(a, "name", &ck.Name)
	s.enum(a, "type", &ck.Type, "http", "tcp", "script", "grpc")
	s.str(a, "command", &ck.Command)
	s.strList(a, "args", &ck.Args)
	s.str(a, "path", &ck.Path)
	s.enum(a, "protocol", &ck.Protocol, "http", "https")
	s.portLabel(a, "port", &ck.PortLabel)
	s.boolean(a, "expose", &ck.Expose)
	s.enum(a, "address_mode", &ck.AddressMode, "alloc", "alloc_ipv6", "driver", "host")
	s.duration(a, "interval", &ck.Interval)
	s.duration(a, "timeout", &ck.Timeout)
	s.enum(a, "initial_status", &ck.InitialStatus, "passing", "warning", "critical")
	s.str(a, "method", &ck.Method)
	s.str(a, "body", &ck.Body)
	s.str(a, "task", &ck.TaskName)
	s.integer(a, "success_before_passing", &ck.SuccessBeforePassing)
	s.integer(a, "failures_before_critical", &ck.FailuresBeforeCritical)
	s.enum(a, "on_update", &ck.OnUpdate, onUpdateModes...)
	s.integer(a, "failures_before_warning", &ck.FailuresBeforeWarning)
	s.str(a, "grpc_service", &ck.GRPCService)
	s.boolean(a, "grpc_use_tls", &ck.GRPCUseTLS)
	s.str(a, "tls_server_name", &ck.TLSServerName)
	s.boolean(a, "tls_skip_verify", &ck.TLSSkipVerify)
	s.str(a, "notes", &ck.Notes)
	ck.Header = s.headers(c)
	if rb := s.single(c.Blocks, "check_restart"); rb != nil {
		ck.CheckRestart = s.child(rb).checkRestart(rb)
	}
	if _, ok := a["type"]; !ok {
		s.errorf(s.def.Ptr(), "Missing required argument",
			`The argument "type" is required: "http", "tcp", "script" or "grpc".`)
	}
	switch ck.Type {
	case "http", "tcp", "grpc", "script":
		if _, ok := a["interval"]; !ok {
			s.errorf(s.def.Ptr(), "Missing required argument", `The argument "interval" is required, e.g. interval = "10s".`)
		}
		if _, ok := a["timeout"]; !ok {
			s.errorf(s.def.Ptr(), "Missing required argument", `The argument "timeout" is required, e.g. timeout = "2s".`)
		}
	}
	return ck
}

// headers reads a check's HTTP headers, each a list of values, given as a
// block (`header { Authorization = ["Basic x"] }`) or a map attribute.
func (s *scope) headers(c *hcl.BodyContent) map[string][]string {
	var out map[string][]string
	if a, ok := c.Attributes["header"]; ok {
		v, ok := s.eval(a.Expr)
		if ok && !v.IsNull() {
			mv, err := convert.Convert(v, cty.Map(cty.List(cty.String)))
			if err != nil {
				s.typeError(a, "a map of lists of strings", v)
			} else {
				out = map[string][]string{}
				for it := mv.ElementIterator(); it.Next(); {
					k, l := it.Element()
					var vals []string
					for li := l.ElementIterator(); li.Next(); {
						_, e := li.Element()
						if !e.IsNull() {
							vals = append(vals, e.AsString())
						}
					}
					out[k.AsString()] = vals
				}
			}
		}
	}
	for _, b := range blocksOf(c.Blocks, "header") {
		hs := s.child(b)
		attrs, diags := b.Body.JustAttributes()
		hs.add(diags)
		if out == nil {
			out = map[string][]string{}
		}
		for _, name := range sortedAttrNames(attrs) {
			var vals []string
			if hs.strList(attrs, name, &vals) {
				out[name] = vals
			}
		}
	}
	return out
}

// portLabel reads a port given by its label ("http") or, as Nomad also
// accepts, by number (8080).
func (s *scope) portLabel(attrs hcl.Attributes, name string, dst *string) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	if v.Type() == cty.Number {
		n, ok := s.toInt(a, v)
		if ok {
			*dst = strconv.FormatInt(n, 10)
		}
		return ok
	}
	return s.str(attrs, name, dst)
}
