package jobspec

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/nomadish/nomadish/api"
)

// This file decodes the blocks that name a feature behind them: vault,
// consul, identity, csi_plugin, secret, action, schedule, dispatch_payload,
// the job's ui and multiregion, a group's scaling and disconnect. They are
// decoded exactly as Nomad documents them, so that a job written for Nomad
// parses unchanged; whether nomadish acts on them is the server's to say
// (structs.Job.Warnings) and website/job-spec.md lists it.

var changeModes = []string{"noop", "restart", "signal"}

var vaultSchema = &schema{attrs: []string{"policies", "namespace", "role", "cluster", "env", "disable_file",
	"change_mode", "change_signal", "allow_token_expiration"}}

func (s *scope) vault(b *hcl.Block) *api.Vault {
	c := s.content(b.Body, vaultSchema)
	a := c.Attributes
	v := &api.Vault{Env: true, ChangeMode: "restart"}
	s.strList(a, "policies", &v.Policies)
	s.str(a, "namespace", &v.Namespace)
	s.str(a, "role", &v.Role)
	s.str(a, "cluster", &v.Cluster)
	s.boolean(a, "env", &v.Env)
	s.boolean(a, "disable_file", &v.DisableFile)
	s.enum(a, "change_mode", &v.ChangeMode, changeModes...)
	s.str(a, "change_signal", &v.ChangeSignal)
	s.boolean(a, "allow_token_expiration", &v.AllowTokenExpiration)
	if v.ChangeMode == "signal" && v.ChangeSignal == "" {
		s.errorf(s.def.Ptr(), "Missing required argument", `change_mode = "signal" needs change_signal, e.g. "SIGUSR1".`)
	}
	return v
}

var consulSchema = &schema{attrs: []string{"namespace", "cluster", "partition"}}

func (s *scope) consul(b *hcl.Block) *api.Consul {
	c := s.content(b.Body, consulSchema)
	out := &api.Consul{}
	s.str(c.Attributes, "namespace", &out.Namespace)
	s.str(c.Attributes, "cluster", &out.Cluster)
	s.str(c.Attributes, "partition", &out.Partition)
	return out
}

var identitySchema = &schema{attrs: []string{"name", "aud", "change_mode", "change_signal", "env", "file",
	"filepath", "ttl", "service_name"}}

// identity decodes an identity block of a task or service.
func (s *scope) identity(b *hcl.Block) *api.WorkloadIdentity {
	c := s.content(b.Body, identitySchema)
	a := c.Attributes
	wi := &api.WorkloadIdentity{}
	s.str(a, "name", &wi.Name)
	s.strList(a, "aud", &wi.Audience)
	s.enum(a, "change_mode", &wi.ChangeMode, changeModes...)
	s.str(a, "change_signal", &wi.ChangeSignal)
	s.boolean(a, "env", &wi.Env)
	s.boolean(a, "file", &wi.File)
	s.str(a, "filepath", &wi.Filepath)
	s.duration(a, "ttl", &wi.TTL)
	s.str(a, "service_name", &wi.ServiceName)
	if wi.ChangeMode == "signal" && wi.ChangeSignal == "" {
		s.errorf(s.def.Ptr(), "Missing required argument", `change_mode = "signal" needs change_signal, e.g. "SIGHUP".`)
	}
	return wi
}

// identities sorts a task's identity blocks as Nomad does: the one
// without a name (or named "default") is the task's own identity, the
// others are named identities for Vault, Consul or third parties.
func (s *scope) identities(blocks hcl.Blocks, t *api.Task) {
	seen := map[string]*hcl.Block{}
	for _, b := range blocksOf(blocks, "identity") {
		wi := s.child(b).identity(b)
		key := wi.Name
		if key == "" {
			key = "default"
		}
		if prev, dup := seen[key]; dup {
			s.errorf(b.DefRange.Ptr(), "Duplicate identity",
				"An identity named %q is already declared at line %d; each identity of a task needs its own name.", key, prev.DefRange.Start.Line)
			continue
		}
		seen[key] = b
		if wi.Name == "" || wi.Name == "default" {
			t.Identity = wi
		} else {
			t.Identities = append(t.Identities, wi)
		}
	}
}

var csiPluginSchema = &schema{
	attrs:    []string{"id", "type", "mount_dir", "stage_publish_base_dir", "health_timeout"},
	required: []string{"id", "type"},
}

func (s *scope) csiPlugin(b *hcl.Block) *api.TaskCSIPluginConfig {
	c := s.content(b.Body, csiPluginSchema)
	a := c.Attributes
	p := &api.TaskCSIPluginConfig{MountDir: "/csi"}
	s.str(a, "id", &p.ID)
	s.enum(a, "type", &p.Type, "controller", "node", "monolith")
	s.str(a, "mount_dir", &p.MountDir)
	s.str(a, "stage_publish_base_dir", &p.StagePublishBaseDir)
	s.duration(a, "health_timeout", &p.HealthTimeout)
	return p
}

var secretSchema = &schema{
	attrs:    []string{"provider", "path", "config", "env"},
	required: []string{"provider", "path"},
	blocks:   []string{"config", "env"},
}

// secrets decodes the `secret "name"` blocks among blocks.
func (s *scope) secrets(blocks hcl.Blocks) []*api.Secret {
	var out []*api.Secret
	seen := map[string]*hcl.Block{}
	for _, b := range blocksOf(blocks, "secret") {
		if prev, dup := seen[b.Labels[0]]; dup {
			s.errorf(b.LabelRanges[0].Ptr(), "Duplicate secret",
				"A secret named %q is already declared at line %d.", b.Labels[0], prev.DefRange.Start.Line)
			continue
		}
		seen[b.Labels[0]] = b
		ss := s.child(b)
		c := ss.content(b.Body, secretSchema)
		sec := &api.Secret{Name: b.Labels[0]}
		ss.str(c.Attributes, "provider", &sec.Provider)
		ss.str(c.Attributes, "path", &sec.Path)
		sec.Config = ss.opaque(c, "config")
		sec.Env = ss.stringMap(c, "env")
		out = append(out, sec)
	}
	return out
}

var actionSchema = &schema{attrs: []string{"command", "args"}, required: []string{"command"}}

func (s *scope) actions(blocks hcl.Blocks) []*api.Action {
	var out []*api.Action
	seen := map[string]*hcl.Block{}
	for _, b := range blocksOf(blocks, "action") {
		if prev, dup := seen[b.Labels[0]]; dup {
			s.errorf(b.LabelRanges[0].Ptr(), "Duplicate action",
				"An action named %q is already declared at line %d; action names must be unique in a task.", b.Labels[0], prev.DefRange.Start.Line)
			continue
		}
		seen[b.Labels[0]] = b
		as := s.child(b)
		c := as.content(b.Body, actionSchema)
		act := &api.Action{Name: b.Labels[0]}
		as.str(c.Attributes, "command", &act.Command)
		as.strList(c.Attributes, "args", &act.Args)
		out = append(out, act)
	}
	return out
}

var scheduleSchema = &schema{blocks: []string{"cron"}}

var scheduleCronSchema = &schema{attrs: []string{"start", "end", "timezone"}, required: []string{"start", "end"}}

func (s *scope) schedule(b *hcl.Block) *api.TaskSchedule {
	c := s.content(b.Body, scheduleSchema)
	out := &api.TaskSchedule{}
	cb := s.single(c.Blocks, "cron")
	if cb == nil {
		s.errorf(s.def.Ptr(), "Missing cron block",
			`A schedule block needs a cron block: cron { start = "0 9 * * MON-FRI *" end = "0 17" timezone = "UTC" }.`)
		return out
	}
	cs := s.child(cb)
	cc := cs.content(cb.Body, scheduleCronSchema)
	out.Cron = &api.TaskScheduleCron{}
	cs.str(cc.Attributes, "start", &out.Cron.Start)
	cs.str(cc.Attributes, "end", &out.Cron.End)
	cs.str(cc.Attributes, "timezone", &out.Cron.Timezone)
	return out
}

var dispatchPayloadSchema = &schema{attrs: []string{"file"}, required: []string{"file"}}

func (s *scope) dispatchPayload(b *hcl.Block) *api.DispatchPayloadConfig {
	c := s.content(b.Body, dispatchPayloadSchema)
	out := &api.DispatchPayloadConfig{}
	s.str(c.Attributes, "file", &out.File)
	return out
}

var uiSchema = &schema{attrs: []string{"description"}, blocks: []string{"link"}}

var uiLinkSchema = &schema{attrs: []string{"label", "url"}, required: []string{"label", "url"}}

func (s *scope) ui(b *hcl.Block) *api.JobUIConfig {
	c := s.content(b.Body, uiSchema)
	out := &api.JobUIConfig{}
	s.str(c.Attributes, "description", &out.Description)
	for _, lb := range blocksOf(c.Blocks, "link") {
		ls := s.child(lb)
		lc := ls.content(lb.Body, uiLinkSchema)
		l := &api.JobUILink{}
		ls.str(lc.Attributes, "label", &l.Label)
		ls.str(lc.Attributes, "url", &l.URL)
		out.Links = append(out.Links, l)
	}
	return out
}

var multiregionSchema = &schema{blocks: []string{"strategy", "region"}, labels: map[string]string{"region": "name"}}

var multiregionStrategySchema = &schema{attrs: []string{"max_parallel", "on_failure"}}

var multiregionRegionSchema = &schema{attrs: []string{"count", "datacenters", "node_pool", "meta"}, blocks: []string{"meta"}}

func (s *scope) multiregion(b *hcl.Block) *api.Multiregion {
	c := s.content(b.Body, multiregionSchema)
	out := &api.Multiregion{}
	if sb := s.single(c.Blocks, "strategy"); sb != nil {
		ss := s.child(sb)
		sc := ss.content(sb.Body, multiregionStrategySchema)
		out.Strategy = &api.MultiregionStrategy{}
		if n, ok := ss.bounded(sc.Attributes, "max_parallel", 0, 1<<16); ok {
			out.Strategy.MaxParallel = int(n)
		}
		ss.enum(sc.Attributes, "on_failure", &out.Strategy.OnFailure, "fail_all", "fail_local")
	}
	for _, rb := range blocksOf(c.Blocks, "region") {
		rs := s.child(rb)
		rc := rs.content(rb.Body, multiregionRegionSchema)
		r := &api.MultiregionRegion{Name: rb.Labels[0]}
		if n, ok := rs.bounded(rc.Attributes, "count", 0, 1<<20); ok {
			r.Count = int(n)
		}
		rs.strList(rc.Attributes, "datacenters", &r.Datacenters)
		rs.str(rc.Attributes, "node_pool", &r.NodePool)
		r.Meta = rs.stringMap(rc, "meta")
		out.Regions = append(out.Regions, r)
	}
	return out
}

var scalingSchema = &schema{attrs: []string{"min", "max", "enabled", "policy"}, blocks: []string{"policy"}}

// scaling decodes a scaling block: a group's count policy (typ
// "horizontal"), or a task's `scaling "cpu"` / `scaling "mem"` policy of
// Nomad Enterprise's dynamic application sizing.
func (s *scope) scaling(b *hcl.Block, typ string) *api.ScalingPolicy {
	c := s.content(b.Body, scalingSchema)
	a := c.Attributes
	p := &api.ScalingPolicy{Type: typ, Enabled: true}
	if n, ok := s.bounded(a, "min", 0, 1<<30); ok {
		p.Min = &n
	}
	if n, ok := s.bounded(a, "max", 0, 1<<30); ok {
		p.Max = n
	} else if typ == "horizontal" {
		if _, set := a["max"]; !set {
			s.errorf(s.def.Ptr(), "Missing required argument",
				`The argument "max" is required: the most allocations the group may be scaled to.`)
		}
	}
	s.boolean(a, "enabled", &p.Enabled)
	p.Policy = s.opaque(c, "policy")
	if p.Min != nil && p.Max < *p.Min {
		if mx, ok := a["max"]; ok {
			s.errorf(mx.Expr.Range().Ptr(), "Invalid scaling bounds", "max (%d) must be at least min (%d).", p.Max, *p.Min)
		}
	}
	return p
}

// taskScalingTypes maps the label of a task's scaling block to the policy
// type Nomad gives it.
var taskScalingTypes = map[string]string{"cpu": "vertical_cpu", "mem": "vertical_mem"}

func (s *scope) taskScaling(blocks hcl.Blocks) []*api.ScalingPolicy {
	var out []*api.ScalingPolicy
	for _, b := range blocksOf(blocks, "scaling") {
		typ, ok := taskScalingTypes[b.Labels[0]]
		if !ok {
			s.errorf(b.LabelRanges[0].Ptr(), "Invalid scaling block",
				"A task's scaling block is labelled \"cpu\" or \"mem\", not %q.%s", b.Labels[0], didYouMean(b.Labels[0], []string{"cpu", "mem"}))
			continue
		}
		out = append(out, s.child(b).scaling(b, typ))
	}
	return out
}

var disconnectSchema = &schema{attrs: []string{"lost_after", "replace", "reconcile", "stop_on_client_after"}}

func (s *scope) disconnect(b *hcl.Block) *api.DisconnectStrategy {
	c := s.content(b.Body, disconnectSchema)
	a := c.Attributes
	d := &api.DisconnectStrategy{}
	s.duration(a, "lost_after", &d.LostAfter)
	var replace bool
	if s.boolean(a, "replace", &replace) {
		d.Replace = &replace
	}
	s.enum(a, "reconcile", &d.Reconcile, "best_score", "keep_original", "keep_replacement", "longest_running")
	var stop time.Duration
	if s.duration(a, "stop_on_client_after", &stop) {
		d.StopOnClientAfter = &stop
	}
	return d
}

// opaque reads name, given as a block or as a map attribute, as free-form
// data kept exactly as written (a proxy's config, a scaling policy, a
// gateway).
func (s *scope) opaque(c *hcl.BodyContent, name string) map[string]interface{} {
	if a, ok := c.Attributes[name]; ok {
		v, ok := s.eval(a.Expr)
		if !ok || v.IsNull() {
			return nil
		}
		if !v.Type().IsObjectType() && !v.Type().IsMapType() {
			s.typeError(a, "an object", v)
			return nil
		}
		m, _ := ctyToGo(v).(map[string]interface{})
		return m
	}
	b := s.single(c.Blocks, name)
	if b == nil {
		return nil
	}
	syntax := s.d.configs[rangeKey(b.DefRange)]
	if syntax == nil {
		s.errorf(b.DefRange.Ptr(), "Unsupported dynamic block",
			"A %s block holds free-form data and cannot be generated by a dynamic block; write it out.", name)
		return nil
	}
	return s.child(b).freeForm(syntax.Body)
}

// freeForm converts a block body written as free-form data to the map a
// job's JSON carries: each argument by name, each nested block as a list
// under its type, and a labelled block (`check "avg_cpu" { ... }`) as a
// list of one object keyed by its label, as Nomad's JSON has it.
func (s *scope) freeForm(body *hclsyntax.Body) map[string]interface{} {
	out := map[string]interface{}{}
	attrs := make(hcl.Attributes, len(body.Attributes))
	for n, a := range body.Attributes {
		attrs[n] = a.AsHCLAttribute()
	}
	for _, n := range sortedAttrNames(attrs) {
		if v, ok := s.eval(attrs[n].Expr); ok {
			if g := ctyToGo(v); g != nil {
				out[n] = g
			}
		}
	}
	for _, b := range body.Blocks {
		if b.Type == "dynamic" {
			s.errorf(b.DefRange().Ptr(), "Unsupported dynamic block",
				"Dynamic blocks are not expanded inside free-form data such as this; write the blocks out.")
			continue
		}
		var inner interface{} = s.freeForm(b.Body)
		for i := len(b.Labels) - 1; i >= 0; i-- {
			inner = map[string]interface{}{b.Labels[i]: []interface{}{inner}}
		}
		list, _ := out[b.Type].([]interface{})
		out[b.Type] = append(list, inner)
	}
	return out
}

// durationPtr reads an optional duration.
func (s *scope) durationPtr(attrs hcl.Attributes, name string) *time.Duration {
	var d time.Duration
	if s.duration(attrs, name, &d) {
		return &d
	}
	return nil
}
