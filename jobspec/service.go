package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var serviceSchema = &schema{
	attrs: []string{"name", "port", "tags", "canary_tags", "enable_tag_override", "address_mode", "address",
		"provider", "task", "meta"},
	blocks: []string{"check", "meta"},
}

func (s *scope) service(b *hcl.Block) *api.Service {
	c := s.content(b.Body, serviceSchema)
	a := c.Attributes
	svc := &api.Service{}
	s.str(a, "name", &svc.Name)
	s.str(a, "port", &svc.PortLabel)
	s.strList(a, "tags", &svc.Tags)
	s.strList(a, "canary_tags", &svc.CanaryTags)
	s.boolean(a, "enable_tag_override", &svc.EnableTagOverride)
	s.enum(a, "address_mode", &svc.AddressMode, "alloc", "auto", "driver", "host")
	s.str(a, "address", &svc.Address)
	s.enum(a, "provider", &svc.Provider, "nomad", "consul")
	s.str(a, "task", &svc.TaskName)
	svc.Meta = s.stringMap(c, "meta")
	for _, cb := range blocksOf(c.Blocks, "check") {
		svc.Checks = append(svc.Checks, s.child(cb).check(cb))
	}
	return svc
}

var checkSchema = &schema{
	attrs: []string{"name", "type", "command", "args", "path", "protocol", "port", "expose", "address_mode",
		"interval", "timeout", "initial_status", "method", "header", "body", "task",
		"success_before_passing", "failures_before_critical", "on_update"},
	blocks: []string{"header"},
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
	s.str(a, "port", &ck.PortLabel)
	s.boolean(a, "expose", &ck.Expose)
	s.enum(a, "address_mode", &ck.AddressMode, "alloc", "driver", "host")
	s.duration(a, "interval", &ck.Interval)
	s.duration(a, "timeout", &ck.Timeout)
	s.enum(a, "initial_status", &ck.InitialStatus, "passing", "warning", "critical")
	s.str(a, "method", &ck.Method)
	s.str(a, "body", &ck.Body)
	s.str(a, "task", &ck.TaskName)
	s.integer(a, "success_before_passing", &ck.SuccessBeforePassing)
	s.integer(a, "failures_before_critical", &ck.FailuresBeforeCritical)
	s.enum(a, "on_update", &ck.OnUpdate, "require_healthy", "ignore_warnings", "ignore")
	ck.Header = s.headers(c)
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
