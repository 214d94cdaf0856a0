package scheduler

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// PlacementLimiter is an optional ability of a Planner: one that bounds
// how many allocations one evaluation may place. The server's worker
// returns its job_max_placements; without it the bound is
// structs.DefaultMaxPlacements. Service and batch jobs are held to it by
// validation already (the sum of their counts); a system job places one
// allocation per eligible node and group, which only the scheduler knows.
type PlacementLimiter interface {
	MaxPlacements() int
}

func maxPlacements(p Planner) int {
	if l, ok := p.(PlacementLimiter); ok {
		if n := l.MaxPlacements(); n > 0 {
			return n
		}
	}
	return structs.DefaultMaxPlacements
}

// checkSystemPlacements refuses a system or sysbatch evaluation whose
// groups times candidate nodes exceed the limit, before any allocation
// is built: the evaluation fails with this error as its description.
func checkSystemPlacements(job *structs.Job, nodes, limit int) error {
	if n := len(job.TaskGroups) * nodes; n > limit {
		return fmt.Errorf("job %q would place up to %d allocations (%d task groups on %d ready nodes in its datacenters and node pool), "+
			"more than one evaluation may place (the server's job_max_placements, %d): split the job or raise the limit",
			job.ID, n, len(job.TaskGroups), nodes, limit)
	}
	return nil
}
