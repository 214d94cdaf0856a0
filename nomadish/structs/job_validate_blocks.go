package structs

import (
	"fmt"
	"regexp"
	"strings"
)

// This file validates the blocks of job_blocks.go and the arguments added
// beside them (vault, consul, identity, csi_plugin, secret, action,
// schedule, dispatch_payload, ui, multiregion, connect, devices, CSI
// volume options). Problems are recorded under Go field paths, which
// Job.ValidateWith renders in the job file's words (job_validate_paths.go),
// and each message says what is accepted. A job sent to the HTTP API may
// hold any value, so every rule here is one the job file parser also
// applies or one only JSON can break.

// Accepted values of the enumerations below, as Nomad documents them.
var (
	validChangeModes     = []string{"noop", "restart", "signal"}
	validCSIPluginTypes  = []string{"controller", "node", "monolith"}
	validCSIAccessModes  = []string{"single-node-reader-only", "single-node-writer", "multi-node-reader-only", "multi-node-single-writer", "multi-node-multi-writer"}
	validCSIAttachModes  = []string{"file-system", "block-device"}
	validPropagation     = []string{"private", "host-to-task", "bidirectional"}
	validNUMAAffinities  = []string{"none", "prefer", "require"}
	validOnUpdate        = []string{"require_healthy", "ignore_warnings", "ignore"}
	validMeshGatewayMode = []string{"local", "remote", "none"}
	validOnFailure       = []string{MultiregionOnFailureAll, MultiregionOnFailureLocal}
	validTaskScaling     = []string{"vertical_cpu", "vertical_mem"}
)

// validActionName is what Nomad allows an action to be called.
var validActionName = regexp.MustCompile(`^[a-zA-Z0-9-]{1,128}$`)

// validateBlocks validates the blocks of job_blocks.go wherever they are.
func (j *Job) validateBlocks(v validator) {
	if ui := j.UI; ui != nil {
		for i, l := range ui.Links {
			lv := v.at("UI").index("Links", i)
			switch {
			case l == nil:
				lv.fail("", "null; want a link with a label and a url")
			case l.Label == "" || l.URL == "":
				lv.fail("", "a link needs both label and url")
			}
		}
	}
	if m := j.Multiregion; m != nil {
		mv := v.at("Multiregion")
		if s := m.Strategy; s != nil {
			if s.MaxParallel < 0 {
				mv.at("Strategy").fail("MaxParallel", "must be 0 or more, got %d", s.MaxParallel)
			}
			checkEnum(mv.at("Strategy"), "OnFailure", s.OnFailure, validOnFailure)
		}
		seen := map[string]bool{}
		for i, r := range m.Regions {
			rv := mv.index("Regions", i)
			switch {
			case r == nil:
				rv.fail("", "null; want a region")
			case r.Name == "":
				rv.fail("Name", "required")
			case seen[r.Name]:
				rv.fail("Name", "region %q is listed twice", r.Name)
			default:
				seen[r.Name] = true
				if r.Count < 0 {
					rv.fail("Count", "must be 0 or more, got %d", r.Count)
				}
			}
		}
	}
	for gi, tg := range j.TaskGroups {
		if tg == nil {
			continue
		}
		gv := v.index("TaskGroups", gi)
		for _, name := range sortedKeys(tg.Volumes) {
			if vol := tg.Volumes[name]; vol != nil {
				vol.validateBlocks(gv.at("Volumes[" + quoteKey(name) + "]"))
			}
		}
		for si, s := range tg.Services {
			if s != nil {
				s.validateBlocks(gv.index("Services", si))
			}
		}
		for ti, t := range tg.Tasks {
			if t != nil {
				t.validateBlocks(gv.index("Tasks", ti))
			}
		}
	}
}

func (vol *VolumeRequest) validateBlocks(v validator) {
	switch vol.Type {
	case VolumeTypeCSI:
		checkEnum(v, "AccessMode", vol.AccessMode, validCSIAccessModes)
		checkEnum(v, "AttachmentMode", vol.AttachmentMode, validCSIAttachModes)
	default:
		if vol.AccessMode != "" {
			v.fail("AccessMode", "applies to CSI volumes only; this volume is of type %q", vol.Type)
		}
		if vol.AttachmentMode != "" {
			v.fail("AttachmentMode", "applies to CSI volumes only; this volume is of type %q", vol.Type)
		}
		if vol.MountOptions != nil {
			v.fail("MountOptions", "applies to CSI volumes only; this volume is of type %q", vol.Type)
		}
	}
}

func (t *Task) validateBlocks(v validator) {
	if t.Vault != nil {
		vv := v.at("Vault")
		checkChangeMode(vv, t.Vault.ChangeMode, t.Vault.ChangeSignal)
		for i, p := range t.Vault.Policies {
			if strings.TrimSpace(p) == "" {
				vv.fail(indexPath("Policies", i), "must not be empty")
			}
		}
	}
	if t.Identity != nil {
		t.Identity.validate(v.at("Identity"))
	}
	names := map[string]bool{}
	for i, wi := range t.Identities {
		iv := v.index("Identities", i)
		switch {
		case wi == nil:
			iv.fail("", "null; want an identity")
			continue
		case wi.Name == "":
			iv.fail("Name", "required for every identity but the task's own (identity without a name)")
		case names[wi.Name]:
			iv.fail("Name", "identity %q is declared twice", wi.Name)
		}
		names[wi.Name] = true
		wi.validate(iv)
	}
	if p := t.CSIPluginConfig; p != nil {
		pv := v.at("CSIPluginConfig")
		if p.ID == "" {
			pv.fail("ID", "required: the plugin's ID, which CSI volumes name")
		}
		if p.Type == "" {
			pv.fail("Type", "required; accepted: %s", joinQuoted(validCSIPluginTypes))
		} else {
			checkEnum(pv, "Type", p.Type, validCSIPluginTypes)
		}
		if p.HealthTimeout < 0 {
			pv.fail("HealthTimeout", "must not be negative")
		}
	}
	secrets := map[string]bool{}
	for i, s := range t.Secrets {
		sv := v.index("Secrets", i)
		switch {
		case s == nil:
			sv.fail("", "null; want a secret")
			continue
		case s.Name == "":
			sv.fail("Name", "required: the secret is read as ${secret.<name>.<key>}")
		case !validIdentifier.MatchString(s.Name):
			sv.fail("Name", "%q may contain only letters, digits, '_', '-' and '.'", s.Name)
		case secrets[s.Name]:
			sv.fail("Name", "secret %q is declared twice", s.Name)
		}
		secrets[s.Name] = true
		if s.Provider == "" {
			sv.fail("Provider", "required, for example \"nomad\" or \"vault\"")
		}
		if s.Path == "" {
			sv.fail("Path", "required: where the secret is in its store")
		}
	}
	actions := map[string]bool{}
	for i, a := range t.Actions {
		av := v.index("Actions", i)
		switch {
		case a == nil:
			av.fail("", "null; want an action")
			continue
		case !validActionName.MatchString(a.Name):
			av.fail("Name", "%q must be 1 to 128 letters, digits and dashes", a.Name)
		case actions[a.Name]:
			av.fail("Name", "action %q is declared twice", a.Name)
		}
		actions[a.Name] = true
		if a.Command == "" {
			av.fail("Command", "required: the command the action runs")
		}
	}
	if s := t.Schedule; s != nil {
		sv := v.at("Schedule")
		if s.Cron == nil {
			sv.fail("Cron", "required: cron { start end timezone }")
		} else {
			if s.Cron.Start == "" {
				sv.at("Cron").fail("Start", "required, a cron expression such as \"0 9 * * MON-FRI *\"")
			}
			if s.Cron.End == "" {
				sv.at("Cron").fail("End", "required, a minute and hour such as \"0 17\"")
			}
		}
	}
	if p := t.DispatchPayload; p != nil {
		switch {
		case p.File == "":
			v.at("DispatchPayload").fail("File", "required: the file in local/ the payload is written to")
		case strings.HasPrefix(p.File, "/") || strings.Contains("/"+p.File+"/", "/../"):
			v.at("DispatchPayload").fail("File", "%q must be a relative path inside the task's local/ directory", p.File)
		}
	}
	for i, sp := range t.ScalingPolicies {
		sv := v.index("ScalingPolicies", i)
		if sp == nil {
			sv.fail("", "null; want a scaling policy")
			continue
		}
		checkEnum(sv, "Type", sp.Type, validTaskScaling)
		if sp.Min != nil && *sp.Min > sp.Max {
			sv.fail("Max", "must be at least min (%d), got %d", *sp.Min, sp.Max)
		}
	}
	for i, m := range t.VolumeMounts {
		if m != nil {
			checkEnum(v.index("VolumeMounts", i), "PropagationMode", m.PropagationMode, validPropagation)
		}
	}
	for i, tmpl := range t.Templates {
		if tmpl == nil {
			continue
		}
		tv := v.index("Templates", i)
		// The client refuses any other mode at task setup; refusing it here
		// says so before the job runs.
		checkEnum(tv, "ChangeMode", tmpl.ChangeMode, append([]string{"script"}, validChangeModes...))
		if tmpl.ChangeMode == "signal" && tmpl.ChangeSignal == "" {
			tv.fail("ChangeSignal", "required with change_mode = \"signal\", for example \"SIGHUP\"")
		}
		if tmpl.ChangeMode == "script" && (tmpl.ChangeScript == nil || tmpl.ChangeScript.Command == "") {
			tv.fail("ChangeScript", "change_mode = \"script\" needs change_script { command = \"...\" }")
		}
		if can, known := DriverCanExec(t.Driver); tmpl.ChangeMode == "script" && known && !can {
			tv.fail("ChangeMode", "change_mode = \"script\" runs a command in the task, and its driver %q cannot; accepted here: %s",
				t.Driver, joinQuoted(validChangeModes))
		}
		if cs := tmpl.ChangeScript; cs != nil && cs.Timeout < 0 {
			tv.at("ChangeScript").fail("Timeout", "must not be negative")
		}
		if w := tmpl.Wait; w != nil && w.Min != nil && w.Max != nil && *w.Max < *w.Min {
			tv.at("Wait").fail("Max", "must be at least min (%s), got %s", *w.Min, *w.Max)
		}
		for _, id := range []struct {
			field string
			value *int
		}{{"Uid", tmpl.Uid}, {"Gid", tmpl.Gid}} {
			if id.value != nil && *id.value < -1 {
				tv.fail(id.field, "must be -1 (unchanged) or more, got %d", *id.value)
			}
		}
	}
	if r := t.Resources; r != nil {
		rv := v.at("Resources")
		if r.SecretsMB < 0 {
			rv.fail("SecretsMB", "must be 0 or more, got %d", r.SecretsMB)
		}
		for i, d := range r.Devices {
			dv := rv.index("Devices", i)
			if d == nil {
				dv.fail("", "null; want a device request")
				continue
			}
			if d.Name == "" {
				dv.fail("Name", "required: a device name such as \"nvidia/gpu\"")
			}
			validatePlacementRules(dv, d.Constraints, d.Affinities, nil)
		}
		if r.NUMA != nil {
			checkEnum(rv.at("NUMA"), "Affinity", r.NUMA.Affinity, validNUMAAffinities)
		}
	}
	for i, s := range t.Services {
		if s != nil {
			s.validateBlocks(v.index("Services", i))
		}
	}
}

func (wi *WorkloadIdentity) validate(v validator) {
	checkChangeMode(v, wi.ChangeMode, wi.ChangeSignal)
	if wi.TTL < 0 {
		v.fail("TTL", "must not be negative")
	}
	for i, a := range wi.Audience {
		if a == "" {
			v.fail(indexPath("Audience", i), "must not be empty")
		}
	}
}

func (s *Service) validateBlocks(v validator) {
	checkEnum(v, "OnUpdate", s.OnUpdate, validOnUpdate)
	if w := s.Weights; w != nil {
		if w.Passing < 1 {
			v.at("Weights").fail("Passing", "must be at least 1, got %d", w.Passing)
		}
		if w.Warning < 1 {
			v.at("Weights").fail("Warning", "must be at least 1, got %d", w.Warning)
		}
	}
	if s.Identity != nil {
		s.Identity.validate(v.at("Identity"))
	}
	for i, c := range s.Checks {
		if c == nil {
			continue
		}
		cv := v.index("Checks", i)
		checkEnum(cv, "OnUpdate", c.OnUpdate, validOnUpdate)
		for _, n := range []struct {
			field string
			value int
		}{{"SuccessBeforePassing", c.SuccessBeforePassing}, {"FailuresBeforeCritical", c.FailuresBeforeCritical}, {"FailuresBeforeWarning", c.FailuresBeforeWarning}} {
			if n.value < 0 {
				cv.fail(n.field, "must be 0 or more, got %d", n.value)
			}
		}
		if (c.GRPCService != "" || c.GRPCUseTLS) && c.Type != "grpc" {
			cv.fail("GRPCService", "grpc_service and grpc_use_tls apply to a check of type \"grpc\", this one is %q", c.Type)
		}
	}
	if c := s.Connect; c != nil {
		c.validate(v.at("Connect"))
	}
}

func (c *ConsulConnect) validate(v validator) {
	if c.Native && (c.SidecarService != nil || c.Gateway != nil) {
		v.fail("Native", "a connect block is either native, a sidecar_service or a gateway; give only one")
	}
	if c.Gateway != nil && c.SidecarService != nil {
		v.fail("Gateway", "a connect block is either a sidecar_service or a gateway; give only one")
	}
	ss := c.SidecarService
	if ss == nil || ss.Proxy == nil {
		return
	}
	pv := v.at("SidecarService").at("Proxy")
	p := ss.Proxy
	if p.LocalServicePort < 0 || p.LocalServicePort > MaxValidPort {
		pv.fail("LocalServicePort", "must be between 0 and %d, got %d", MaxValidPort, p.LocalServicePort)
	}
	for i, u := range p.Upstreams {
		uv := pv.index("Upstreams", i)
		if u == nil {
			uv.fail("", "null; want an upstream")
			continue
		}
		if u.DestinationName == "" {
			uv.fail("DestinationName", "required: the service this upstream reaches")
		}
		if u.LocalBindPort < 0 || u.LocalBindPort > MaxValidPort {
			uv.fail("LocalBindPort", "must be between 0 and %d, got %d", MaxValidPort, u.LocalBindPort)
		}
		if u.LocalBindPort == 0 && u.LocalBindSocketPath == "" {
			uv.fail("LocalBindPort", "an upstream needs local_bind_port or local_bind_socket_path")
		}
		if u.MeshGateway != nil {
			checkEnum(uv.at("MeshGateway"), "Mode", u.MeshGateway.Mode, validMeshGatewayMode)
		}
	}
	if e := p.Expose; e != nil {
		for i, path := range e.Paths {
			ev := pv.at("Expose").index("Paths", i)
			if path == nil {
				ev.fail("", "null; want a path")
				continue
			}
			if !strings.HasPrefix(path.Path, "/") {
				ev.fail("Path", "%q must start with \"/\"", path.Path)
			}
			if path.LocalPathPort < 1 || path.LocalPathPort > MaxValidPort {
				ev.fail("LocalPathPort", "must be between 1 and %d, got %d", MaxValidPort, path.LocalPathPort)
			}
			if path.ListenerPort == "" {
				ev.fail("ListenerPort", "required: the label of a group network port")
			}
		}
	}
}

// checkChangeMode validates a change_mode and its change_signal.
func checkChangeMode(v validator, mode, signal string) {
	checkEnum(v, "ChangeMode", mode, validChangeModes)
	if mode == "signal" && signal == "" {
		v.fail("ChangeSignal", "required with change_mode = \"signal\", for example \"SIGHUP\"")
	}
}

// checkEnum fails field unless value is empty (the default) or one of
// accepted.
func checkEnum(v validator, field, value string, accepted []string) {
	if value == "" {
		return
	}
	for _, a := range accepted {
		if a == value {
			return
		}
	}
	v.fail(field, "unknown value %q; accepted: %s", value, joinQuoted(accepted))
}

// quoteKey quotes a map key as Go field paths write it.
func quoteKey(k string) string { return fmt.Sprintf("%q", k) }

// blockData is one free-form value of the blocks of job_blocks.go (a
// gateway, a proxy's or upstream's config, a sidecar task's driver config,
// a secret's config, a task scaling policy), with its field path and how
// many more containers enclose it than enclose a task's Config.
type blockData struct {
	path  string
	extra int
	value map[string]interface{}
}

// freeFormBlockData lists every free-form value of the blocks of
// job_blocks.go in j. The levels are counted from the job: a task's Config
// is inside Job, TaskGroups, the group, Tasks and the task (5).
func (j *Job) freeFormBlockData() []blockData {
	var out []blockData
	add := func(path string, levels int, m map[string]interface{}) {
		if m != nil {
			out = append(out, blockData{path: path, extra: levels - configLevelsInJob, value: m})
		}
	}
	// services adds the connect data of services at levels containers
	// (the list of services counted).
	services := func(prefix string, levels int, svcs []*Service) {
		for si, s := range svcs {
			if s == nil || s.Connect == nil {
				continue
			}
			c := s.Connect
			p := fmt.Sprintf("%s[%d].Connect", prefix, si)
			// levels+1: the service; +1: Connect.
			add(p+".Gateway", levels+2, c.Gateway)
			if c.SidecarTask != nil {
				add(p+".SidecarTask.Config", levels+3, c.SidecarTask.Config)
			}
			if c.SidecarService == nil || c.SidecarService.Proxy == nil {
				continue
			}
			px := c.SidecarService.Proxy
			add(p+".SidecarService.Proxy.Config", levels+4, px.Config)
			for ui, u := range px.Upstreams {
				if u != nil {
					add(fmt.Sprintf("%s.SidecarService.Proxy.Upstreams[%d].Config", p, ui), levels+6, u.Config)
				}
			}
		}
	}
	for gi, tg := range j.TaskGroups {
		if tg == nil {
			continue
		}
		gp := fmt.Sprintf("TaskGroups[%d]", gi)
		services(gp+".Services", 4, tg.Services)
		for ti, t := range tg.Tasks {
			if t == nil {
				continue
			}
			tp := fmt.Sprintf("%s.Tasks[%d]", gp, ti)
			services(tp+".Services", 6, t.Services)
			for i, s := range t.Secrets {
				if s != nil {
					add(fmt.Sprintf("%s.Secrets[%d].Config", tp, i), 7, s.Config)
				}
			}
			for i, sp := range t.ScalingPolicies {
				if sp != nil {
					add(fmt.Sprintf("%s.ScalingPolicies[%d].Policy", tp, i), 7, sp.Policy)
				}
			}
		}
	}
	return out
}

// blockDataTooDeep is TaskConfigTooDeep for the free-form values of the
// blocks of job_blocks.go: limit is the most a task's Config may nest, and
// a value enclosed by more containers may nest that much less.
func (j *Job) blockDataTooDeep(limit int) (path string, depth int, found bool) {
	for _, b := range j.freeFormBlockData() {
		allowed := limit - b.extra
		if d := ValueDepth(b.value, allowed); d > allowed {
			return b.path, d, true
		}
	}
	return "", 0, false
}

// checkBlockBounds bounds the free-form values of the blocks of
// job_blocks.go as checkConfig bounds a task's Config.
func (j *Job) checkBlockBounds(v validator, l Limits) {
	for _, b := range j.freeFormBlockData() {
		checkConfig(v.at(b.path), b.value, l)
	}
}
