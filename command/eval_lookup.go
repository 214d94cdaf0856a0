package command

import (
	"fmt"

	"github.com/nomadish/nomadish/api"
)

// resolveEval finds the one evaluation whose ID is id or starts with it
// (at least two characters). When several match it prints them and asks
// for a longer prefix. The list endpoint answers with whole evaluations,
// so the match needs no second read.
func (m *Meta) resolveEval(client *api.Client, id string) (*api.Evaluation, bool) {
	return resolvePrefix(m, "evaluation", id, func() ([]*api.Evaluation, error) {
		evals, _, err := client.Evaluations().List(&api.QueryOptions{Prefix: id})
		return evals, err
	}, func(e *api.Evaluation) string { return e.ID },
		"ID|Priority|Triggered By|Job ID|Status|Placement Failures", func(e *api.Evaluation) string {
			return fmt.Sprintf("%s|%d|%s|%s|%s|%t", e.ID, e.Priority, e.TriggeredBy, e.JobID, e.Status, len(e.FailedTGAllocs) > 0)
		})
}
