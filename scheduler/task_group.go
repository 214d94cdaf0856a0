package scheduler

import (
	"strconv"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// groupInfo is what placing one task group needs, computed once per
// evaluation: the resource ask, the drivers, the constraints split into
// those cacheable per node class and those that are not, and the soft
// preferences. Job-level rules are folded in.
type groupInfo struct {
	job *structs.Job
	tg  *structs.TaskGroup

	ask      structs.ComparableResources
	hasCores bool
	drivers  []string

	classConstraints []*structs.Constraint
	nodeConstraints  []*structs.Constraint // escape the computed class

	jobDistinctHosts   bool
	groupDistinctHosts bool
	distinctProperties []distinctProperty

	affinities        []*structs.Affinity
	affinitiesEscaped bool
	spreads           []*structs.Spread

	hasPorts bool
	// bandwidth lists the networks asking for MBits, as allocResources
	// will set them aside: the group's always, the tasks' when the group
	// asks for ports.
	bandwidth []*structs.NetworkResource
}

// distinctProperty is a distinct_property constraint: at most limit
// allocations of the job (or group) per value of the property.
type distinctProperty struct {
	constraint *structs.Constraint
	jobLevel   bool
	limit      int
}

func newGroupInfo(job *structs.Job, tg *structs.TaskGroup) *groupInfo {
	g := &groupInfo{job: job, tg: tg}
	seenDriver := map[string]bool{}
	for _, t := range tg.Tasks {
		if t.Resources != nil {
			g.ask.CPU += int64(t.Resources.CPU)
			g.ask.MemoryMB += int64(t.Resources.MemoryMB)
			if t.Resources.Cores > 0 {
				g.ask.Cores += int64(t.Resources.Cores)
				g.hasCores = true
			}
			for _, n := range t.Resources.Networks {
				g.hasPorts = g.hasPorts || len(n.ReservedPorts)+len(n.DynamicPorts) > 0
			}
		}
		if t.Driver != "" && !seenDriver[t.Driver] {
			seenDriver[t.Driver] = true
			g.drivers = append(g.drivers, t.Driver)
		}
	}
	if tg.EphemeralDisk != nil {
		g.ask.DiskMB = int64(tg.EphemeralDisk.SizeMB)
	}
	for _, n := range tg.Networks {
		g.hasPorts = g.hasPorts || len(n.ReservedPorts)+len(n.DynamicPorts) > 0
	}
	for _, n := range tg.Networks {
		if n != nil && n.MBits > 0 {
			g.bandwidth = append(g.bandwidth, n)
		}
	}
	for _, t := range tg.Tasks {
		if t.Resources == nil || !g.hasPorts {
			continue
		}
		for _, n := range t.Resources.Networks {
			if n != nil && n.MBits > 0 {
				g.bandwidth = append(g.bandwidth, n)
			}
		}
	}

	addConstraints := func(cs []*structs.Constraint, jobLevel bool) {
		for _, c := range cs {
			if c == nil {
				continue
			}
			switch c.Operand {
			case structs.ConstraintDistinctHosts:
				if c.RTarget == "" || c.RTarget == "true" {
					if jobLevel {
						g.jobDistinctHosts = true
					} else {
						g.groupDistinctHosts = true
					}
				}
			case structs.ConstraintDistinctProperty:
				limit := 1
				if n, err := strconv.Atoi(c.RTarget); err == nil && n > 0 {
					limit = n
				}
				g.distinctProperties = append(g.distinctProperties, distinctProperty{constraint: c, jobLevel: jobLevel, limit: limit})
			default:
				if structs.ConstraintEscapesClass(c) {
					g.nodeConstraints = append(g.nodeConstraints, c)
				} else {
					g.classConstraints = append(g.classConstraints, c)
				}
			}
		}
	}
	addConstraints(job.Constraints, true)
	addConstraints(tg.Constraints, false)
	for _, t := range tg.Tasks {
		addConstraints(t.Constraints, false)
	}

	g.affinities = append(g.affinities, job.Affinities...)
	g.affinities = append(g.affinities, tg.Affinities...)
	for _, t := range tg.Tasks {
		g.affinities = append(g.affinities, t.Affinities...)
	}
	for _, a := range g.affinities {
		if structs.TargetEscapesClass(a.LTarget) || structs.TargetEscapesClass(a.RTarget) {
			g.affinitiesEscaped = true
		}
	}
	g.spreads = append(g.spreads, job.Spreads...)
	g.spreads = append(g.spreads, tg.Spreads...)
	return g
}

// escapesClass reports whether any constraint of the group, or its host
// volumes, must be checked per node.
func (g *groupInfo) escapesClass() bool {
	return len(g.nodeConstraints) > 0 || newHostVolumeChecker(g.tg) != nil
}
