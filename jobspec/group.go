package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

var groupSchema = &schema{
	attrs: []string{"count", "shutdown_delay", "meta"},
	blocks: []string{"meta", "constraint", "affinity", "spread", "update", "restart", "reschedule",
		"migrate", "ephemeral_disk", "network", "service", "volume", "task"},
	labels: map[string]string{"task": "name", "volume": "name"},
}

// decodeGroup decodes the group block b of job j.
func (s *scope) decodeGroup(b *hcl.Block, j *api.Job) *api.TaskGroup {
	c := s.content(b.Body, groupSchema)
	attrs := c.Attributes
	g := &api.TaskGroup{Name: b.Labels[0], Count: 1}
	if n, ok := s.bounded(attrs, "count", 0, 1<<20); ok {
		g.Count = int(n)
	}
	s.duration(attrs, "shutdown_delay", &g.ShutdownDelay)
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
	if rb := s.single(c.Blocks, "reschedule"); rb != nil {
		g.ReschedulePolicy = s.child(rb).reschedule(rb, defaultReschedule(jobType(j)))
	}
	if mb := s.single(c.Blocks, "migrate"); mb != nil {
		g.Migrate = s.child(mb).migrate(mb)
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
	return g
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
	attrs:  []string{"mode", "mbits"},
	blocks: []string{"port", "dns"},
	labels: map[string]string{"port": "label"},
}

var portSchema = &schema{attrs: []string{"static", "to", "host_network"}}

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
	attrs:    []string{"type", "source", "read_only", "per_alloc"},
	required: []string{"source"},
}

func (s *scope) volume(b *hcl.Block) *api.VolumeRequest {
	c := s.content(b.Body, volumeSchema)
	v := &api.VolumeRequest{Name: b.Labels[0], Type: "host"}
	s.enum(c.Attributes, "type", &v.Type, "host", "csi")
	s.str(c.Attributes, "source", &v.Source)
	s.boolean(c.Attributes, "read_only", &v.ReadOnly)
	s.boolean(c.Attributes, "per_alloc", &v.PerAlloc)
	return v
}
