package command

import (
	"fmt"
	"sort"

	"github.com/nomadish/nomadish/api"
)

// noJobError says no job has the ID or prefix the user gave.
type noJobError struct{ id string }

func (e *noJobError) Error() string {
	return fmt.Sprintf("No job(s) with prefix or ID %q found", e.id)
}

// ambiguousJobError says a prefix matched more than one job.
type ambiguousJobError struct {
	prefix  string
	matches []*api.JobListStub
}

func (e *ambiguousJobError) Error() string {
	sort.Slice(e.matches, func(i, j int) bool { return e.matches[i].ID < e.matches[j].ID })
	rows := []string{"ID|Type|Priority|Status"}
	for _, j := range e.matches {
		rows = append(rows, fmt.Sprintf("%s|%s|%d|%s", j.ID, j.Type, j.Priority, j.Status))
	}
	return fmt.Sprintf("Prefix %q matched multiple jobs; give more of the ID:\n\n%s", e.prefix, formatList(rows))
}

// lookupJob finds the job with ID id or, failing that, the only job whose
// ID starts with id. exact says whether id was the full ID.
func lookupJob(client *api.Client, id string) (job *api.Job, exact bool, err error) {
	job, _, err = client.Jobs().Info(id, nil)
	if err == nil {
		return job, true, nil
	}
	if !api.IsNotFound(err) {
		return nil, false, err
	}
	matches, _, err := client.Jobs().PrefixList(id)
	if err != nil {
		return nil, false, err
	}
	switch len(matches) {
	case 0:
		return nil, false, &noJobError{id: id}
	case 1:
		job, _, err = client.Jobs().Info(matches[0].ID, nil)
		if api.IsNotFound(err) {
			return nil, false, &noJobError{id: id}
		}
		return job, false, err
	default:
		return nil, false, &ambiguousJobError{prefix: id, matches: matches}
	}
}
