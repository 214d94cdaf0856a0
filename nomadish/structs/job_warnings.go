package structs

import (
	"fmt"
	"sort"
	"strings"
)

// This file is the one source of the warnings a job gets: what it asks for
// that nomadish accepts and stores but does not do, because the Nomad
// feature behind the block (Vault, Consul, Consul service mesh, CSI, ...)
// is not available here. Every entry point shows the same list: `job
// validate` and POST /v1/validate/job (Job.Validate), `job plan`
// (Job.Plan), `job run` and PUT /v1/jobs (Job.Register), and POST
// /v1/jobs/parse. A warning whose Refused is set is also the error with
// which Job.Register refuses the job: such a job cannot run correctly
// without the feature (a template that reads Vault secrets would never
// render), so registering it would only fail later, on a client, in a way
// that is harder to read.

// JobWarning is one block of a job whose Nomad feature is not available.
type JobWarning struct {
	// Path is the block as the user wrote it, such as
	// `group "web" > task "api" > vault`.
	Path string
	// Feature names the Nomad feature, such as "Vault".
	Feature string
	// Detail says what happens instead and what nomadish offers in its
	// place, if anything.
	Detail string
	// Refused is set when Job.Register refuses the job for this block.
	Refused bool
}

// String renders the warning as one line: where, what, what instead, and
// whether `job run` accepts the job.
func (w JobWarning) String() string {
	verdict := "job run accepts the job"
	if w.Refused {
		verdict = "job run refuses the job"
	}
	return fmt.Sprintf("%s: %s; %s; %s", w.Path, w.Feature, w.Detail, verdict)
}

// JobWarnings lists, in the order of the job file, every block of the job
// whose feature nomadish does not provide. Call it on a canonicalized job
// (a group's update block is then filled in from the job's).
func (j *Job) JobWarnings() []JobWarning {
	if j == nil {
		return nil
	}
	var out []JobWarning
	add := func(path, feature, detail string, refused bool) {
		out = append(out, JobWarning{Path: path, Feature: feature, Detail: detail, Refused: refused})
	}
	if j.UI != nil {
		add("ui", "the Nomad web UI is not available in nomadish",
			"the description and links are stored and returned by the API, and shown nowhere", false)
	}
	for _, tg := range j.TaskGroups {
		if tg != nil {
			tg.warnings(add)
		}
	}
	return out
}

// Warnings renders JobWarnings one per line, each starting "* ", as the
// Warnings string of the API's responses. Empty when there is none.
func (j *Job) Warnings() string {
	ws := j.JobWarnings()
	lines := make([]string, len(ws))
	for i, w := range ws {
		lines[i] = "* " + w.String()
	}
	return strings.Join(lines, "\n")
}

// Refusals returns the warnings for which Job.Register refuses the job, as
// a *ValidationError with one problem each (the same text as the warning),
// or nil when the job can run.
func (j *Job) Refusals() error {
	var problems []FieldError
	for _, w := range j.JobWarnings() {
		if w.Refused {
			problems = append(problems, FieldError{Path: w.Path, Message: strings.TrimPrefix(w.String(), w.Path+": ")})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems}
}

type addWarning func(path, feature, detail string, refused bool)

func (tg *TaskGroup) warnings(add addWarning) {
	gp := groupLabel(tg.Name)
	// Canaries belong to a deployment, and max_parallel = 0 asks for
	// none: the group is then updated all at once, as Nomad does.
	if u := tg.Update; u != nil && u.Canary > 0 && u.MaxParallel == 0 {
		add(gp+" > update", fmt.Sprintf("canary = %d has no effect with max_parallel = 0", u.Canary),
			"max_parallel = 0 updates the group all at once without a deployment, so no canaries are placed (set max_parallel to 1 or more for a canary deployment)", false)
	}
	if tg.Consul != nil {
		add(gp+" > consul", "Consul is not available in nomadish",
			"the Consul cluster, namespace and partition are stored and have no effect", false)
	}
	for i, s := range tg.Services {
		if s != nil {
			serviceWarnings(add, fmt.Sprintf("%s > service[%d]", gp, i), s)
		}
	}
	mounted := map[string]bool{}
	for _, t := range tg.Tasks {
		if t == nil {
			continue
		}
		for _, m := range t.VolumeMounts {
			if m != nil {
				mounted[m.Volume] = true
			}
		}
	}
	names := make([]string, 0, len(tg.Volumes))
	for name := range tg.Volumes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vol := tg.Volumes[name]
		if vol == nil || vol.Type != VolumeTypeCSI {
			continue
		}
		if mounted[name] {
			add(fmt.Sprintf("%s > volume %q", gp, name), "CSI volumes are not available in nomadish yet",
				"a task mounts this volume (volume_mount) and would start without its data; "+
					"use a host volume (type = \"host\") that the client agent's host_volume block provides", true)
		} else {
			add(fmt.Sprintf("%s > volume %q", gp, name), "CSI volumes are not available in nomadish yet",
				"no task mounts it, so it is stored and never claimed; a host volume (type = \"host\") is the supported kind", false)
		}
	}
	for _, t := range tg.Tasks {
		if t != nil {
			t.warnings(add, gp+" > "+taskLabel(t.Name))
		}
	}
}

func (t *Task) warnings(add addWarning, tp string) {
	if t.Vault != nil {
		add(tp+" > vault", "Vault is not available in nomadish",
			"the task starts without a Vault token (no VAULT_TOKEN variable, no secrets/vault_token file); "+
				"give the task what it needs through its env block or a template, and remove the vault block to silence this", false)
	}
	if t.Consul != nil {
		add(tp+" > consul", "Consul is not available in nomadish",
			"the Consul namespace and cluster are stored and have no effect", false)
	}
	if t.Identity != nil && (t.Identity.Env || t.Identity.File) {
		add(tp+" > identity", "workload identities are not available in nomadish",
			"the task starts without NOMAD_TOKEN and without secrets/nomad_token", false)
	}
	for _, id := range t.Identities {
		if id != nil {
			add(fmt.Sprintf("%s > identity %q", tp, id.Name), "workload identities are not available in nomadish",
				"no token is signed for this identity, and nothing reads it here", false)
		}
	}
	if t.CSIPluginConfig != nil {
		add(tp+" > csi_plugin", "CSI plugins are not available in nomadish yet",
			"the task runs as an ordinary task and is not registered as a CSI plugin", false)
	}
	for _, s := range t.Secrets {
		if s != nil {
			add(fmt.Sprintf("%s > secret %q", tp, s.Name), "secret blocks are not available in nomadish",
				"the task would start with ${secret."+s.Name+".*} left unfilled; pass the value through the task's env block or a -var instead", true)
		}
	}
	for _, a := range t.Actions {
		if a != nil {
			add(fmt.Sprintf("%s > action %q", tp, a.Name), "task actions are not available in nomadish",
				"the action is stored and cannot be run; use `nomadish alloc exec` where the driver supports it", false)
		}
	}
	if t.DispatchPayload != nil && t.DispatchPayload.File != "" {
		add(tp+" > dispatch_payload", "writing a dispatched job's payload into the task is not available in nomadish yet",
			"the payload is stored with the dispatched job, and local/"+t.DispatchPayload.File+" is not written; pass small inputs as dispatch meta (NOMAD_META_*) instead", false)
	}
	if t.Schedule != nil {
		add(tp+" > schedule", "task schedules (a Nomad Enterprise feature) are not available in nomadish",
			"the task runs at all times, not only inside its schedule; a periodic batch job is the supported way to run on a schedule", false)
	}
	for i, sp := range t.ScalingPolicies {
		if sp != nil {
			add(fmt.Sprintf("%s > scaling[%d]", tp, i), "task (vertical) scaling policies are not available in nomadish",
				"the policy is stored and nothing acts on it", false)
		}
	}
	if r := t.Resources; r != nil {
		for _, d := range r.Devices {
			if d != nil {
				add(fmt.Sprintf("%s > resources > device %q", tp, d.Name), "device scheduling is not available in nomadish",
					"the task would be placed on a node without regard to the device and get none; "+
						"use a constraint on a node attribute or meta value and the driver's own device options instead", true)
			}
		}
		if r.NUMA != nil {
			add(tp+" > resources > numa", "NUMA-aware scheduling is not available in nomadish",
				"the numa block is stored and has no effect", false)
		}
	}
	for i, s := range t.Services {
		if s != nil {
			serviceWarnings(add, fmt.Sprintf("%s > service[%d]", tp, i), s)
		}
	}
	for i, tmpl := range t.Templates {
		if tmpl == nil || tmpl.EmbeddedTmpl == "" {
			continue
		}
		for _, f := range templateFeatures(tmpl.EmbeddedTmpl, tmpl.LeftDelim, tmpl.RightDelim) {
			add(fmt.Sprintf("%s > template[%d]", tp, i), f.feature,
				fmt.Sprintf("the template calls %s, which cannot render here, so the task would never start; %s", strings.Join(f.calls, ", "), f.instead), true)
		}
	}
}

// serviceWarnings warns about the parts of a service block that name
// Consul: a Consul service or a Consul service mesh (connect) block, with
// what Consul would have done. Native services and their checks work.
func serviceWarnings(add addWarning, path string, s *Service) {
	if s.Connect != nil {
		c := s.Connect
		switch {
		case c.Gateway != nil:
			add(path+" > connect > gateway", "Consul service mesh (Connect) gateways are not available in nomadish",
				"Nomad would run the gateway as a task it adds to the group; nothing would run in its place", true)
		case c.SidecarService != nil && c.SidecarService.Proxy != nil && len(c.SidecarService.Proxy.Upstreams) > 0:
			add(path+" > connect > sidecar_service", "Consul service mesh (Connect) is not available in nomadish",
				"no sidecar proxy runs, so the task's upstreams (local ports that reach other services) answer nothing; "+
					"reach those services at their own addresses instead", true)
		case c.Native:
			add(path+" > connect", "Consul service mesh (Connect native) is not available in nomadish",
				"the task is not given the Consul mesh certificates it would use", false)
		default:
			add(path+" > connect", "Consul service mesh (Connect) is not available in nomadish",
				"no sidecar proxy runs; the service's port is reached directly on the allocation's address", false)
		}
	}
	if s.Provider == "consul" {
		add(path, "Consul service registration is not available in nomadish",
			"the service is stored and registered nowhere, and its checks do not run; "+
				"provider = \"nomad\" (native service discovery) is the supported provider", false)
		return
	}
}

// A templateFeature is a Nomad feature a template reads its data from.
type templateFeature struct {
	feature string
	instead string
	funcs   []string
	calls   []string
}

// templateFeatures returns the unavailable features whose template
// functions text calls, each with the functions it calls.
func templateFeatures(text, left, right string) []templateFeature {
	called := templateCalls(text, left, right)
	if len(called) == 0 {
		return nil
	}
	features := []templateFeature{
		{feature: "Vault is not available in nomadish",
			instead: "render secrets from the task's environment with {{ env \"NAME\" }} instead",
			funcs:   []string{"pkiCert", "secret", "secrets"}},
		{feature: "Consul is not available in nomadish",
			instead: "render values from the task's environment with {{ env \"NAME\" }} instead",
			funcs:   []string{"caLeaf", "caRoots", "connect", "datacenters", "key", "keyExists", "keyOrDefault", "ls", "node", "nodes", "safeLs", "safeTree", "service", "services", "tree"}},
		{feature: "Nomad Variables are not available in nomadish yet",
			instead: "render values from the task's environment with {{ env \"NAME\" }} instead",
			funcs:   []string{"nomadVar", "nomadVarExists", "nomadVarList", "nomadVarListSafe"}},
	}
	var out []templateFeature
	for _, f := range features {
		for _, fn := range f.funcs {
			if called[fn] {
				f.calls = append(f.calls, fn)
			}
		}
		if len(f.calls) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// templateCalls returns the bare identifiers inside the actions of a Go
// template, the names a template calls as functions: `{{ with secret
// "kv/db" }}` calls secret. String literals, fields (.secret) and variables
// ($secret) are not calls. It reads the text itself rather than parsing it
// with text/template, because the functions are the very ones this server
// does not define.
func templateCalls(text, left, right string) map[string]bool {
	if left == "" {
		left = "{{"
	}
	if right == "" {
		right = "}}"
	}
	calls := map[string]bool{}
	for {
		i := strings.Index(text, left)
		if i < 0 {
			return calls
		}
		text = text[i+len(left):]
		end := strings.Index(text, right)
		if end < 0 {
			end = len(text)
		}
		action := text[:end]
		text = text[end:]
		identifiersInAction(action, calls)
	}
}

// identifiersInAction adds the bare identifiers of one template action to
// calls.
func identifiersInAction(action string, calls map[string]bool) {
	prev := byte(' ')
	for i := 0; i < len(action); {
		c := action[i]
		switch {
		case c == '"' || c == '`' || c == '\'':
			j := i + 1
			for j < len(action) && action[j] != c {
				if action[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j + 1
			prev = c
		case isIdentStart(c):
			j := i
			for j < len(action) && (isIdentStart(action[j]) || (action[j] >= '0' && action[j] <= '9')) {
				j++
			}
			if prev != '.' && prev != '$' {
				calls[action[i:j]] = true
			}
			prev = 'a'
			i = j
		default:
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				prev = c
			} else {
				prev = ' '
			}
			i++
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// groupLabel and taskLabel name a group or task block as the job file
// writes it.
func groupLabel(name string) string { return fmt.Sprintf("group %q", name) }
func taskLabel(name string) string  { return fmt.Sprintf("task %q", name) }
