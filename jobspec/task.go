package jobspec

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

var taskSchema = &schema{
	attrs: []string{"driver", "user", "kill_timeout", "kill_signal", "leader", "meta", "env", "kind",
		"shutdown_delay", "max_run_duration"},
	required: []string{"driver"},
	blocks: []string{"config", "env", "meta", "resources", "artifact", "template", "lifecycle", "logs",
		"restart", "service", "constraint", "affinity", "volume_mount", "vault", "consul", "identity",
		"csi_plugin", "secret", "action", "schedule", "dispatch_payload", "scaling"},
	labels: map[string]string{"secret": "name", "action": "name", "scaling": "name"},
}

// decodeTask decodes the task block b of group g in job j.
func (s *scope) decodeTask(b *hcl.Block, j *api.Job, g *api.TaskGroup) *api.Task {
	c := s.content(b.Body, taskSchema)
	a := c.Attributes
	t := &api.Task{Name: b.Labels[0]}
	s.str(a, "driver", &t.Driver)
	s.str(a, "user", &t.User)
	s.duration(a, "kill_timeout", &t.KillTimeout)
	s.str(a, "kill_signal", &t.KillSignal)
	s.boolean(a, "leader", &t.Leader)
	s.str(a, "kind", &t.Kind)
	s.duration(a, "shutdown_delay", &t.ShutdownDelay)
	t.MaxRunDuration = s.durationPtr(a, "max_run_duration")
	t.Meta = s.stringMap(c, "meta")
	t.Env = s.stringMap(c, "env")
	t.Config = s.taskConfig(s.single(c.Blocks, "config"), t.Driver, a["driver"])
	if rb := s.single(c.Blocks, "resources"); rb != nil {
		t.Resources = s.child(rb).resources(rb)
	}
	for _, ab := range blocksOf(c.Blocks, "artifact") {
		t.Artifacts = append(t.Artifacts, s.child(ab).artifact(ab))
	}
	for _, tb := range blocksOf(c.Blocks, "template") {
		t.Templates = append(t.Templates, s.child(tb).template(tb))
	}
	if lb := s.single(c.Blocks, "lifecycle"); lb != nil {
		t.Lifecycle = s.child(lb).lifecycle(lb)
	}
	if lb := s.single(c.Blocks, "logs"); lb != nil {
		t.LogConfig = s.child(lb).logs(lb)
	}
	if rb := s.single(c.Blocks, "restart"); rb != nil {
		base := g.RestartPolicy
		if base == nil {
			base = defaultRestart(jobType(j))
		}
		t.RestartPolicy = s.child(rb).restart(rb, base)
	}
	for _, sb := range blocksOf(c.Blocks, "service") {
		t.Services = append(t.Services, s.child(sb).service(sb))
	}
	t.Constraints = s.constraints(c.Blocks)
	t.Affinities = s.affinities(c.Blocks)
	for _, vb := range blocksOf(c.Blocks, "volume_mount") {
		t.VolumeMounts = append(t.VolumeMounts, s.child(vb).volumeMount(vb))
	}
	if vb := s.single(c.Blocks, "vault"); vb != nil {
		t.Vault = s.child(vb).vault(vb)
	}
	if cb := s.single(c.Blocks, "consul"); cb != nil {
		t.Consul = s.child(cb).consul(cb)
	}
	s.identities(c.Blocks, t)
	if pb := s.single(c.Blocks, "csi_plugin"); pb != nil {
		t.CSIPluginConfig = s.child(pb).csiPlugin(pb)
	}
	t.Secrets = s.secrets(c.Blocks)
	t.Actions = s.actions(c.Blocks)
	if sb := s.single(c.Blocks, "schedule"); sb != nil {
		t.Schedule = s.child(sb).schedule(sb)
	}
	if db := s.single(c.Blocks, "dispatch_payload"); db != nil {
		t.DispatchPayload = s.child(db).dispatchPayload(db)
	}
	t.ScalingPolicies = s.taskScaling(c.Blocks)
	return t
}

var resourcesSchema = &schema{
	attrs:  []string{"cpu", "cores", "memory", "memory_max", "disk", "secrets"},
	blocks: []string{"device", "numa", "network"},
	labels: map[string]string{"device": "name"},
}

var deviceSchema = &schema{attrs: []string{"count"}, blocks: []string{"constraint", "affinity"}}

var numaSchema = &schema{attrs: []string{"affinity", "devices"}}

func (s *scope) resources(b *hcl.Block) *api.Resources {
	c := s.content(b.Body, resourcesSchema)
	a := c.Attributes
	r := &api.Resources{}
	if n, ok := s.bounded(a, "cpu", 1, 1<<30); ok {
		r.CPU = int(n)
	}
	if n, ok := s.bounded(a, "cores", 1, 1<<16); ok {
		r.Cores = int(n)
	}
	if _, both := a["cores"]; both && a["cpu"] != nil {
		s.errorf(a["cores"].NameRange.Ptr(), "Conflicting arguments",
			"Give either cpu (MHz shared with other tasks) or cores (whole cores reserved for this task), not both.")
	}
	s.size(a, "memory", &r.MemoryMB)
	s.size(a, "memory_max", &r.MemoryMaxMB)
	s.size(a, "disk", &r.DiskMB)
	s.size(a, "secrets", &r.SecretsMB)
	for _, db := range blocksOf(c.Blocks, "device") {
		ds := s.child(db)
		dc := ds.content(db.Body, deviceSchema)
		d := &api.RequestedDevice{Name: db.Labels[0]}
		if n, ok := ds.bounded(dc.Attributes, "count", 0, 1<<16); ok {
			count := uint64(n)
			d.Count = &count
		}
		d.Constraints = ds.constraints(dc.Blocks)
		d.Affinities = ds.affinities(dc.Blocks)
		r.Devices = append(r.Devices, d)
	}
	if nb := s.single(c.Blocks, "numa"); nb != nil {
		ns := s.child(nb)
		nc := ns.content(nb.Body, numaSchema)
		r.NUMA = &api.NUMAResource{Affinity: "none"}
		ns.enum(nc.Attributes, "affinity", &r.NUMA.Affinity, "none", "prefer", "require")
		ns.strList(nc.Attributes, "devices", &r.NUMA.Devices)
	}
	// A network block inside resources is how Nomad wrote networks before
	// group networks; Nomad still accepts it, with a warning, and so do we.
	for _, nb := range blocksOf(c.Blocks, "network") {
		s.add(hcl.Diagnostics{warningDiag(nb.DefRange.Ptr(), "Deprecated network block",
			"A network block inside resources is deprecated, as in Nomad: it is accepted, but declare the network in the group instead (group \"name\" { network { ... } }), where ports are shared by the group's tasks and services.")})
		r.Networks = append(r.Networks, s.child(nb).network(nb))
	}
	return r
}

var artifactSchema = &schema{
	attrs:    []string{"source", "destination", "mode", "options", "headers", "insecure", "chown"},
	required: []string{"source"},
	blocks:   []string{"options", "headers"},
}

func (s *scope) artifact(b *hcl.Block) *api.TaskArtifact {
	c := s.content(b.Body, artifactSchema)
	a := c.Attributes
	art := &api.TaskArtifact{GetterMode: "any", RelativeDest: "local/"}
	s.str(a, "source", &art.GetterSource)
	s.str(a, "destination", &art.RelativeDest)
	s.enum(a, "mode", &art.GetterMode, "any", "file", "dir")
	art.GetterOptions = s.stringMap(c, "options")
	art.GetterHeaders = s.stringMap(c, "headers")
	s.boolean(a, "insecure", &art.GetterInsecure)
	s.boolean(a, "chown", &art.Chown)
	return art
}

var templateSchema = &schema{
	attrs: []string{"source", "destination", "data", "change_mode", "change_signal", "splay", "perms",
		"left_delimiter", "right_delimiter", "env", "error_on_missing_key", "uid", "gid", "once", "vault_grace"},
	required: []string{"destination"},
	blocks:   []string{"change_script", "wait"},
}

var changeScriptSchema = &schema{attrs: []string{"command", "args", "timeout", "fail_on_error"}, required: []string{"command"}}

var templateWaitSchema = &schema{attrs: []string{"min", "max"}}

func (s *scope) template(b *hcl.Block) *api.Template {
	c := s.content(b.Body, templateSchema)
	a := c.Attributes
	t := &api.Template{ChangeMode: "restart", Splay: 5 * time.Second, Perms: "644"}
	s.str(a, "source", &t.SourcePath)
	s.str(a, "destination", &t.DestPath)
	s.str(a, "data", &t.EmbeddedTmpl)
	s.enum(a, "change_mode", &t.ChangeMode, "noop", "restart", "signal", "script")
	s.str(a, "change_signal", &t.ChangeSignal)
	s.duration(a, "splay", &t.Splay)
	s.str(a, "perms", &t.Perms)
	s.str(a, "left_delimiter", &t.LeftDelim)
	s.str(a, "right_delimiter", &t.RightDelim)
	s.boolean(a, "env", &t.Envvars)
	s.boolean(a, "error_on_missing_key", &t.ErrMissingKey)
	s.boolean(a, "once", &t.Once)
	for _, id := range []struct {
		name string
		dst  **int
	}{{"uid", &t.Uid}, {"gid", &t.Gid}} {
		if n, ok := s.bounded(a, id.name, -1, 1<<31-1); ok {
			v := int(n)
			*id.dst = &v
		}
	}
	if vg, ok := a["vault_grace"]; ok {
		s.add(hcl.Diagnostics{warningDiag(vg.NameRange.Ptr(), "Deprecated argument",
			"vault_grace has no effect: Nomad removed it (Vault tokens are renewed before they expire) and it is ignored here too.")})
	}
	if cb := s.single(c.Blocks, "change_script"); cb != nil {
		cs := s.child(cb)
		cc := cs.content(cb.Body, changeScriptSchema)
		t.ChangeScript = &api.ChangeScript{Timeout: 5 * time.Second}
		cs.str(cc.Attributes, "command", &t.ChangeScript.Command)
		cs.strList(cc.Attributes, "args", &t.ChangeScript.Args)
		cs.duration(cc.Attributes, "timeout", &t.ChangeScript.Timeout)
		cs.boolean(cc.Attributes, "fail_on_error", &t.ChangeScript.FailOnError)
	}
	if t.ChangeMode == "script" && t.ChangeScript == nil {
		s.errorf(s.def.Ptr(), "Missing change_script block",
			`change_mode = "script" needs a change_script block: change_script { command = "/local/reload.sh" }.`)
	}
	if wb := s.single(c.Blocks, "wait"); wb != nil {
		ws := s.child(wb)
		wc := ws.content(wb.Body, templateWaitSchema)
		t.Wait = &api.WaitConfig{Min: ws.durationPtr(wc.Attributes, "min"), Max: ws.durationPtr(wc.Attributes, "max")}
		if t.Wait.Min != nil && t.Wait.Max != nil && *t.Wait.Max < *t.Wait.Min {
			ws.errorf(wc.Attributes["max"].Expr.Range().Ptr(), "Invalid wait bounds", "max (%s) must be at least min (%s).", *t.Wait.Max, *t.Wait.Min)
		}
	}
	_, hasSource := a["source"]
	_, hasData := a["data"]
	switch {
	case hasSource && hasData:
		s.errorf(a["data"].NameRange.Ptr(), "Conflicting arguments",
			"Give either source (a file in the task directory) or data (the template inline), not both.")
	case !hasSource && !hasData:
		s.errorf(s.def.Ptr(), "Missing required argument",
			"A template needs source (a file in the task directory) or data (the template inline).")
	}
	if t.ChangeMode == "signal" && t.ChangeSignal == "" {
		s.errorf(s.def.Ptr(), "Missing required argument",
			`change_mode = "signal" needs change_signal, e.g. "SIGHUP".`)
	}
	return t
}

var lifecycleSchema = &schema{attrs: []string{"hook", "sidecar"}, required: []string{"hook"}}

func (s *scope) lifecycle(b *hcl.Block) *api.TaskLifecycle {
	c := s.content(b.Body, lifecycleSchema)
	l := &api.TaskLifecycle{}
	s.enum(c.Attributes, "hook", &l.Hook, "prestart", "poststart", "poststop")
	s.boolean(c.Attributes, "sidecar", &l.Sidecar)
	return l
}

var logsSchema = &schema{attrs: []string{"max_files", "max_file_size", "disabled", "enabled"}}

func (s *scope) logs(b *hcl.Block) *api.LogConfig {
	c := s.content(b.Body, logsSchema)
	a := c.Attributes
	l := &api.LogConfig{MaxFiles: 10, MaxFileSizeMB: 10}
	if n, ok := s.bounded(a, "max_files", 1, 1<<20); ok {
		l.MaxFiles = int(n)
	}
	s.size(a, "max_file_size", &l.MaxFileSizeMB)
	s.boolean(a, "disabled", &l.Disabled)
	var enabled bool
	if s.boolean(a, "enabled", &enabled) {
		l.Disabled = !enabled
	}
	return l
}

var volumeMountSchema = &schema{
	attrs:    []string{"volume", "destination", "read_only", "propagation_mode", "selinux_label"},
	required: []string{"volume", "destination"},
}

func (s *scope) volumeMount(b *hcl.Block) *api.VolumeMount {
	c := s.content(b.Body, volumeMountSchema)
	m := &api.VolumeMount{}
	s.str(c.Attributes, "volume", &m.Volume)
	s.str(c.Attributes, "destination", &m.Destination)
	s.boolean(c.Attributes, "read_only", &m.ReadOnly)
	s.enum(c.Attributes, "propagation_mode", &m.PropagationMode, "private", "host-to-task", "bidirectional")
	s.str(c.Attributes, "selinux_label", &m.SELinuxLabel)
	return m
}
