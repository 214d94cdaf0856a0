package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

var jobTypes = []string{api.JobTypeService, api.JobTypeBatch, api.JobTypeSystem, api.JobTypeSysBatch}

var jobSchema = &schema{
	attrs: []string{"type", "datacenters", "node_pool", "namespace", "region", "priority", "all_at_once", "meta"},
	blocks: []string{"meta", "constraint", "affinity", "spread", "update", "periodic", "parameterized", "group",
		"task", "reschedule", "migrate", "ui", "multiregion", "vault", "secret"},
	labels: map[string]string{"group": "name", "task": "name", "secret": "name"},
}

// decodeJob decodes the job block b; s is its scope.
func (s *scope) decodeJob(b *hcl.Block) *api.Job {
	c := s.content(b.Body, jobSchema)
	attrs := c.Attributes
	j := &api.Job{ID: b.Labels[0], Name: b.Labels[0]}
	s.enum(attrs, "type", &j.Type, jobTypes...)
	s.strList(attrs, "datacenters", &j.Datacenters)
	s.str(attrs, "node_pool", &j.NodePool)
	s.str(attrs, "namespace", &j.Namespace)
	s.str(attrs, "region", &j.Region)
	if n, ok := s.bounded(attrs, "priority", 1, 100); ok {
		j.Priority = int(n)
	}
	s.boolean(attrs, "all_at_once", &j.AllAtOnce)
	j.Meta = s.stringMap(c, "meta")
	j.Constraints = s.constraints(c.Blocks)
	j.Affinities = s.affinities(c.Blocks)
	j.Spreads = s.spreads(c.Blocks)
	if ub := s.single(c.Blocks, "update"); ub != nil {
		j.Update = s.child(ub).update(ub, defaultUpdate())
	}
	if pb := s.single(c.Blocks, "periodic"); pb != nil {
		j.Periodic = s.child(pb).periodic(pb)
	}
	if pb := s.single(c.Blocks, "parameterized"); pb != nil {
		j.ParameterizedJob = s.child(pb).parameterized(pb)
	}
	if rb := s.single(c.Blocks, "reschedule"); rb != nil {
		j.Reschedule = s.child(rb).reschedule(rb, defaultReschedule(jobType(j)))
	}
	if mb := s.single(c.Blocks, "migrate"); mb != nil {
		j.Migrate = s.child(mb).migrate(mb, nil)
	}
	if ub := s.single(c.Blocks, "ui"); ub != nil {
		j.UI = s.child(ub).ui(ub)
	}
	if mb := s.single(c.Blocks, "multiregion"); mb != nil {
		j.Multiregion = s.child(mb).multiregion(mb)
	}

	groups := blocksOf(c.Blocks, "group")
	tasks := blocksOf(c.Blocks, "task")
	if len(groups) == 0 && len(tasks) == 0 {
		s.errorf(b.DefRange.Ptr(), "Missing group block",
			`A job needs at least one group: group "name" { task "name" { driver = "..." } }.`)
	}
	seen := map[string]*hcl.Block{}
	for _, gb := range groups {
		if prev, ok := seen[gb.Labels[0]]; ok {
			s.errorf(gb.LabelRanges[0].Ptr(), "Duplicate group",
				"A group named %q is already declared at line %d; group names must be unique in a job.", gb.Labels[0], prev.DefRange.Start.Line)
			continue
		}
		seen[gb.Labels[0]] = gb
		j.TaskGroups = append(j.TaskGroups, s.child(gb).decodeGroup(gb, j))
	}
	// A task written directly in the job runs in a group of its own name,
	// as Nomad does it.
	for _, tb := range tasks {
		if prev, ok := seen[tb.Labels[0]]; ok {
			s.errorf(tb.LabelRanges[0].Ptr(), "Duplicate group",
				"A task written directly in the job runs in a group of its name, %q, but a group of that name is already declared at line %d.", tb.Labels[0], prev.DefRange.Start.Line)
			continue
		}
		seen[tb.Labels[0]] = tb
		g := &api.TaskGroup{Name: tb.Labels[0], Count: 1, Update: j.Update}
		if g.Update != nil {
			u := *g.Update
			g.Update = &u
		}
		g.Tasks = []*api.Task{s.child(tb).decodeTask(tb, j, g)}
		j.TaskGroups = append(j.TaskGroups, g)
	}
	var vault *api.Vault
	if vb := s.single(c.Blocks, "vault"); vb != nil {
		vault = s.child(vb).vault(vb)
	}
	secrets := s.secrets(c.Blocks)
	for _, g := range j.TaskGroups {
		inheritTaskBlocks(g.Tasks, vault, secrets)
	}
	return j
}

// jobType is the job's type with Nomad's default applied.
func jobType(j *api.Job) string {
	if j.Type == "" {
		return api.JobTypeService
	}
	return j.Type
}
