package scheduler

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// propertyCounts counts a job's live allocations per value of a node
// property (a constraint or spread target such as ${meta.rack}), for one
// group or, with group "", for the whole job. distinct_property and
// spread read it. It is built on first use, from state less the plan's
// stops plus its placements, and then kept current by appendPlacement:
// schedulers add every stop to the plan before their first placement.
type propertyCounts struct {
	jobID, namespace string
	group            string
	target           string
	values           map[string]int
	total            int
}

func (c *evalContext) propertyCounts(job *structs.Job, group, target string) (*propertyCounts, error) {
	key := job.Namespace + "\x00" + job.ID + "\x00" + group + "\x00" + target
	if pc, ok := c.properties[key]; ok {
		return pc, nil
	}
	pc := &propertyCounts{jobID: job.ID, namespace: job.Namespace, group: group, target: target, values: map[string]int{}}
	allocs, err := c.state.AllocsByJob(nil, job.Namespace, job.ID, true)
	if err != nil {
		return nil, fmt.Errorf("allocations of job %q: %w", job.ID, err)
	}
	nodes := map[string]*structs.Node{}
	count := func(a *structs.Allocation) error {
		if !pc.matches(a) || a.TerminalStatus() {
			return nil
		}
		n, ok := nodes[a.NodeID]
		if !ok {
			if n, err = c.state.NodeByID(nil, a.NodeID); err != nil {
				return fmt.Errorf("node %q: %w", a.NodeID, err)
			}
			nodes[a.NodeID] = n
		}
		pc.add(n)
		return nil
	}
	for _, a := range allocs {
		if containsAlloc(c.plan.NodeUpdate[a.NodeID], a.ID) || containsAlloc(c.plan.NodePreemptions[a.NodeID], a.ID) ||
			containsAlloc(c.plan.NodeAllocation[a.NodeID], a.ID) {
			continue
		}
		if err := count(a); err != nil {
			return nil, err
		}
	}
	for _, placed := range c.plan.NodeAllocation {
		for _, a := range placed {
			if err := count(a); err != nil {
				return nil, err
			}
		}
	}
	c.properties[key] = pc
	return pc, nil
}

func (pc *propertyCounts) matches(a *structs.Allocation) bool {
	return a.JobID == pc.jobID && a.Namespace == pc.namespace && (pc.group == "" || a.TaskGroup == pc.group)
}

// add counts one allocation on n; a missing node or property counts only
// toward the total.
func (pc *propertyCounts) add(n *structs.Node) {
	pc.total++
	if n == nil {
		return
	}
	if v, ok := resolveTarget(pc.target, n); ok {
		pc.values[v]++
	}
}

// notePlacement updates every built counter for a new placement on n.
func (c *evalContext) notePlacement(a *structs.Allocation, n *structs.Node) {
	for _, pc := range c.properties {
		if pc.matches(a) {
			pc.add(n)
		}
	}
}
