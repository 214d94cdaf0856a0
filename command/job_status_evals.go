package command

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// job status reads the job's evaluations for two things: the "Placement
// Failure" section, shown while the scheduler could not place all of the
// job's allocations, and, with -evals, a table of the evaluations.

// jobEvaluations reads the job's evaluations, newest first (by the index
// that last wrote them). An agent that cannot say (an older one answers
// 404) only leaves the sections out; another error is a warning, since the
// rest of the status is still worth printing.
func (c *JobStatusCommand) jobEvaluations(client *api.Client, jobID string) []*api.Evaluation {
	evals, _, err := client.Jobs().Evaluations(jobID, nil)
	switch {
	case err == nil:
	case api.IsNotFound(err):
		return nil
	default:
		c.Ui.Warn(fmt.Sprintf("Could not read the evaluations of job %q: %s", jobID, err))
		return nil
	}
	sortEvalsNewestFirst(evals)
	return evals
}

// sortEvalsNewestFirst orders evaluations by the Raft index that last
// changed them, then created them, newest first; IDs break ties so that
// the order is stable.
func sortEvalsNewestFirst(evals []*api.Evaluation) {
	sort.Slice(evals, func(i, j int) bool {
		a, b := evals[i], evals[j]
		if a.ModifyIndex != b.ModifyIndex {
			return a.ModifyIndex > b.ModifyIndex
		}
		if a.CreateIndex != b.CreateIndex {
			return a.CreateIndex > b.CreateIndex
		}
		return a.ID < b.ID
	})
}

// placementFailureEval picks, from evals sorted newest first, the
// evaluation whose failed placements still stand, or nil. While one of
// the job's evaluations is blocked (waiting for capacity), that is the
// newest evaluation with failed placements: the blocked one itself once
// it was retried and failed again, else the one that created it. With
// none blocked, it is the newest evaluation the scheduler finished, if
// that one failed to place something (a system job's, which blocks
// nothing); a newer evaluation that placed everything means the failures
// are over.
func placementFailureEval(evals []*api.Evaluation) *api.Evaluation {
	blocked := false
	for _, e := range evals {
		blocked = blocked || e.Status == api.EvalStatusBlocked
	}
	for _, e := range evals {
		if len(e.FailedTGAllocs) > 0 {
			if blocked || e.Status != api.EvalStatusBlocked {
				return e
			}
		}
		if !blocked && (e.Status == api.EvalStatusComplete || e.Status == api.EvalStatusFailed) {
			return nil
		}
	}
	return nil
}

// formatJobPlacementFailures renders the "Placement Failure" section of
// job status, or "" when the job's placements do not fail.
func formatJobPlacementFailures(evals []*api.Evaluation, verbose bool) string {
	e := placementFailureEval(evals)
	if e == nil {
		return ""
	}
	lines := []string{"Placement Failure"}
	lines = append(lines, formatPlacementFailures(e.FailedTGAllocs, true)...)
	for _, b := range evals {
		if b.Status == api.EvalStatusBlocked {
			lines = append(lines, fmt.Sprintf("Evaluation %q waiting for additional capacity to place remainder", shortID(b.ID, verbose)))
			break
		}
	}
	return strings.Join(lines, "\n")
}

// formatJobEvaluations renders the "Evaluations" table of job status
// -evals.
func formatJobEvaluations(evals []*api.Evaluation, verbose bool) string {
	if len(evals) == 0 {
		return "Evaluations\nNo evaluations"
	}
	rows := []string{"ID|Priority|Triggered By|Status|Placement Failures"}
	for _, e := range evals {
		rows = append(rows, fmt.Sprintf("%s|%d|%s|%s|%t", shortID(e.ID, verbose), e.Priority, e.TriggeredBy, e.Status, len(e.FailedTGAllocs) > 0))
	}
	return "Evaluations\n" + formatList(rows)
}
