package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

var jobTypes = []string{api.JobTypeService, api.JobTypeBatch, api.JobTypeSystem, api.JobTypeSysBatch}

var jobSchema = &schema{
	attrs:  []string{"type", "datacenters", "node_pool", "namespace", "region", "priority", "all_at_once", "meta"},
	blocks: []string{"meta", "constraint", "affinity", "spread", "update", "periodic", "parameterized", "group"},
	labels: map[string]string{"group": "name"},
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

	groups := blocksOf(c.Blocks, "group")
	if len(groups) == 0 {
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
	return j
}

// jobType is the job's type with Nomad's default applied.
func jobType(j *api.Job) string {
	if j.Type == "" {
		return api.JobTypeService
	}
	return j.Type
}
