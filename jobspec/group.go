package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

var groupSchema = &schema{
	attrs: []string{"count", "shutdown_delay", "meta", "max_client_disconnect", "stop_after_client_disconnect",
		"prevent_reschedule_on_lost"},
	blocks: []string{"meta", "constraint", "affinity", "spread", "update", "restart", "reschedule",
		"migrate", "ephemeral_disk", "network", "service", "volume", "task", "consul", "scaling", "disconnect",
		"vault", "secret"},
	labels: map[string]string{"task": "name", "volume": "name", "secret": "name"},
}

// decodeGroup decodes the group block b of job j.
func (s *scope) decodeGroup(b *hcl.Block, j *api.Job) *api.TaskGroup {
	c := s.content(b.Body, groupSchema)
	attrs := c.Attributes
	g := &api.TaskGroup{Name: b.Labels[0], Count: 1}
	countSet := false
	if n, ok := s.bounded(attrs, "count", 0, 1<<20); ok {
		g.Count, countSet = int(n), true
	}
	s.duration(attrs, "shutdown_delay", &g.ShutdownDelay)
	if a, ok := attrs["max_client_disconnect"]; ok {
		s.add(hcl.Diagnostics{warningDiag(a.NameRange.Ptr(), "Deprecated argument",
			"max_client_disconnect is deprecated, as in Nomad: it is accepted and means disconnect { lost_after = ... }; write that instead.")})
		g.MaxClientDisconnect = s.durationPtr(attrs, "max_client_disconnect")
	}
	g.StopAfterClientDisconnect = s.durationPtr(attrs, "stop_after_client_disconnect")
	s.boolean(attrs, "prevent_reschedule_on_lost", &g.PreventRescheduleOnLost)
	if db := s.single(c.Blocks, "disconnect"); db != nil {
		g.Disconnect = s.child(db).disconnect(db)
	}
	if cb := s.single(c.Blocks, "consul"); cb != nil {
		g.Consul = s.child(cb).consul(cb)
	}
	if sb := s.single(c.Blocks, "scaling"); sb != nil {
		if len(sb.Labels) > 0 {
			s.errorf(sb.LabelRanges[0].Ptr(), "Invalid scaling block",
				"A group's scaling block has no label; labelled scaling blocks (\"cpu\", \"mem\") belong in a task.")
		}
		g.Scaling = s.child(sb).scaling(sb, "horizontal")
		// A group that gives a scaling block but no count starts at the
		// policy's minimum, as in Nomad.
		if !countSet && g.Scaling.Min != nil {
			g.Count = int(*g.Scaling.Min)
		}
	}
	g.Meta = s.stringMap(c, "meta")
	g.Constraints = s.constraints(c.Blocks)
	g.Affinities = s.affinities(c.Blocks)
	g.Spreads = s.spreads(c.Blocks)

	// A group's update block fills what it leaves out from the job's; a
	// group without one follows the job's.
	base := j.Update
	if ub := s.single(c.Blocks, "update"); ub != nil {
		if base == nil {
			base = defaultUpdate()
		}
		g.Update = s.child(ub).update(ub, base)
	} else if base != nil {
		u := *base
		g.Update = &u
	}
	if rb := s.single(c.Blocks, "restart"); rb != nil {
		g.RestartPolicy = s.child(rb).restart(rb, defaultRestart(jobType(j)))
	}
	// A group's reschedule and migrate blocks fill what they leave out from
	// the job's, when the job has one; a group without one is left for
	// the server to give the job's (structs.Job.Canonicalize).
	if rb := s.single(c.Blocks, "reschedule"); rb != nil {
		base := j.Reschedule
		if base == nil {
			base = defaultReschedule(jobType(j))
		}
		g.ReschedulePolicy = s.child(rb).reschedule(rb, base)
	}
	if mb := s.single(c.Blocks, "migrate"); mb != nil {
		g.Migrate = s.child(mb).migrate(mb, j.Migrate)
	}
	if eb := s.single(c.Blocks, "ephemeral_disk"); eb != nil {
		g.EphemeralDisk = s.child(eb).ephemeralDisk(eb)
	}
	if nb := s.single(c.Blocks, "network"); nb != nil {
		g.Networks = []*api.NetworkResource{s.child(nb).network(nb)}
	}
	for _, sb := range blocksOf(c.Blocks, "service") {
		g.Services = append(g.Services, s.child(sb).service(sb))
	}
	for _, vb := range blocksOf(c.Blocks, "volume") {
		if g.Volumes == nil {
			g.Volumes = map[string]*api.VolumeRequest{}
		}
		name := vb.Labels[0]
		if _, dup := g.Volumes[name]; dup {
			s.errorf(vb.LabelRanges[0].Ptr(), "Duplicate volume", "A volume named %q is already declared in this group.", name)
			continue
		}
		g.Volumes[name] = s.child(vb).volume(vb)
	}

	tasks := blocksOf(c.Blocks, "task")
	if len(tasks) == 0 {
		s.errorf(b.DefRange.Ptr(), "Missing task block",
			`A group needs at least one task: task "name" { driver = "..." config { ... } }.`)
	}
	seen := map[string]*hcl.Block{}
	for _, tb := range tasks {
		if prev, ok := seen[tb.Labels[0]]; ok {
			s.errorf(tb.LabelRanges[0].Ptr(), "Duplicate task",
				"A task named %q is already declared at line %d; task names must be unique in a group.", tb.Labels[0], prev.DefRange.Start.Line)
			continue
		}
		seen[tb.Labels[0]] = tb
		g.Tasks = append(g.Tasks, s.child(tb).decodeTask(tb, j, g))
	}
	var vault *api.Vault
	if vb := s.single(c.Blocks, "vault"); vb != nil {
		vault = s.child(vb).vault(vb)
	}
	inheritTaskBlocks(g.Tasks, vault, s.secrets(c.Blocks))
	return g
}

// inheritTaskBlocks gives the tasks a vault block and secrets written at
// the group or job level, as Nomad does: the API has them on tasks only.
// A task's own vault block wins over the enclosing one, and its own
// secret of the same name over the enclosing one.
func inheritTaskBlocks(tasks []*api.Task, vault *api.Vault, secrets []*api.Secret) {
	for _, t := range tasks {
		if t == nil {
			continue
		}
		if t.Vault == nil && vault != nil {
			v := *vault
			v.Policies = append([]string(nil), vault.Policies...)
			t.Vault = &v
		}
		for _, sec := range secrets {
			own := false
			for _, ts := range t.Secrets {
				own = own || ts.Name == sec.Name
			}
			if !own {
				cp := *sec
				t.Secrets = append(t.Secrets, &cp)
			}
		}
	}
}

var ephemeralDiskSchema = &schema{attrs: []string{"sticky", "migrate", "size"}}

// defaultDiskMB is the ephemeral disk size Nomad documents.
const defaultDiskMB = 300

func (s *scope) ephemeralDisk(b *hcl.Block) *api.EphemeralDisk {
	c := s.content(b.Body, ephemeralDiskSchema)
	d := &api.EphemeralDisk{SizeMB: defaultDiskMB}
	s.boolean(c.Attributes, "sticky", &d.Sticky)
	s.boolean(c.Attributes, "migrate", &d.Migrate)
	s.size(c.Attributes, "size", &d.SizeMB)
	return d
}

var networkSchema = &schema{
	attrs:  []string{"mode", "mbits", "hostname"},
	blocks: []string{"port", "dns", "cni"},
	labels: map[string]string{"port": "label"},
}

var portSchema = &schema{attrs: []string{"static", "to", "host_network", "ignore_collision"}}

var cniSchema = &schema{attrs: []string{"args"}, blocks: []string{"args"}}

var dnsSchema = &schema{attrs: []string{"servers", "searches", "options"}}

func (s *scope) network(b *hcl.Block) *api.NetworkResource {
	c := s.content(b.Body, networkSchema)
	n := &api.NetworkResource{Mode: "host"}
	if v, ok := c.Attributes["mode"]; ok {
		var mode string
		if s.str(c.Attributes, "mode", &mode) {
			switch {
			case mode == "host" || mode == "bridge" || mode == "none" || len(mode) > 4 && mode[:4] == "cni/":
				n.Mode = mode
			default:
				s.errorf(v.Expr.Range().Ptr(), "Invalid value for mode",
					"%q is not a network mode.%s Accepted: \"host\", \"bridge\", \"none\", \"cni/<network name>\".",
					mode, didYouMean(mode, []string{"host", "bridge", "none"}))
			}
		}
	}
	s.integer(c.Attributes, "mbits", &n.MBits)
	s.str(c.Attributes, "hostname", &n.Hostname)
	if cb := s.single(c.Blocks, "cni"); cb != nil {
		cs := s.child(cb)
		cc := cs.content(cb.Body, cniSchema)
		n.CNI = &api.CNIConfig{Args: cs.stringMap(cc, "args")}
	}
	seen := map[string]bool{}
	for _, pb := range blocksOf(c.Blocks, "port") {
		ps := s.child(pb)
		pc := ps.content(pb.Body, portSchema)
		label := pb.Labels[0]
		if seen[label] {
			ps.errorf(pb.LabelRanges[0].Ptr(), "Duplicate port", "A port labelled %q is already declared in this network.", label)
			continue
		}
		seen[label] = true
		p := api.Port{Label: label}
		static := false
		if v, ok := ps.bounded(pc.Attributes, "static", 1, 65535); ok {
			p.Value, static = int(v), true
		}
		if v, ok := ps.bounded(pc.Attributes, "to", -1, 65535); ok {
			p.To = int(v)
		}
		ps.str(pc.Attributes, "host_network", &p.HostNetwork)
		ps.boolean(pc.Attributes, "ignore_collision", &p.IgnoreCollision)
		if static {
			n.ReservedPorts = append(n.ReservedPorts, p)
		} else {
			n.DynamicPorts = append(n.DynamicPorts, p)
		}
	}
	if db := s.single(c.Blocks, "dns"); db != nil {
		ds := s.child(db)
		dc := ds.content(db.Body, dnsSchema)
		n.DNS = &api.DNSConfig{}
		ds.strList(dc.Attributes, "servers", &n.DNS.Servers)
		ds.strList(dc.Attributes, "searches", &n.DNS.Searches)
		ds.strList(dc.Attributes, "options", &n.DNS.Options)
	}
	return n
}

var volumeSchema = &schema{
	attrs:    []string{"type", "source", "read_only", "per_alloc", "sticky", "access_mode", "attachment_mode"},
	required: []string{"source"},
	blocks:   []string{"mount_options"},
}

var mountOptionsSchema = &schema{attrs: []string{"fs_type", "mount_flags"}}

// csiAccessModes and csiAttachmentModes are what a CSI volume request
// accepts, as Nomad documents them.
var (
	csiAccessModes     = []string{"single-node-reader-only", "single-node-writer", "multi-node-reader-only", "multi-node-single-writer", "multi-node-multi-writer"}
	csiAttachmentModes = []string{"file-system", "block-device"}
)

func (s *scope) volume(b *hcl.Block) *api.VolumeRequest {
	c := s.content(b.Body, volumeSchema)
	v := &api.VolumeRequest{Name: b.Labels[0], Type: "host"}
	s.enum(c.Attributes, "type", &v.Type, "host", "csi")
	s.str(c.Attributes, "source", &v.Source)
	s.boolean(c.Attributes, "read_only", &v.ReadOnly)
	s.boolean(c.Attributes, "per_alloc", &v.PerAlloc)
	s.boolean(c.Attributes, "sticky", &v.Sticky)
	s.enum(c.Attributes, "access_mode", &v.AccessMode, csiAccessModes...)
	s.enum(c.Attributes, "attachment_mode", &v.AttachmentMode, csiAttachmentModes...)
	if mb := s.single(c.Blocks, "mount_options"); mb != nil {
		ms := s.child(mb)
		mc := ms.content(mb.Body, mountOptionsSchema)
		v.MountOptions = &api.CSIMountOptions{}
		ms.str(mc.Attributes, "fs_type", &v.MountOptions.FSType)
		ms.strList(mc.Attributes, "mount_flags", &v.MountOptions.MountFlags)
	}
	if v.Type != "csi" {
		for _, name := range []string{"access_mode", "attachment_mode"} {
			if a, ok := c.Attributes[name]; ok {
				s.errorf(a.NameRange.Ptr(), "Argument only for CSI volumes",
					"%s applies to a CSI volume; this volume is of type %q. Set type = \"csi\" or leave %s out.", name, v.Type, name)
			}
		}
		if mb := s.single(c.Blocks, "mount_options"); mb != nil {
			s.errorf(mb.DefRange.Ptr(), "Block only for CSI volumes",
				"mount_options applies to a CSI volume; this volume is of type %q. Set type = \"csi\" or leave mount_options out.", v.Type)
		}
	}
	return v
}
