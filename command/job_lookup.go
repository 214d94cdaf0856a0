package command

import (
	"errors"
	"flag"
	"fmt"
	"sort"
	"time"

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

// resolveJob is lookupJob that prints why it failed through the Ui.
func (m *Meta) resolveJob(client *api.Client, id string) (*api.Job, bool) {
	job, _, err := lookupJob(client, id)
	if err != nil {
		var nje *noJobError
		var aje *ambiguousJobError
		switch {
		case errors.As(err, &nje), errors.As(err, &aje):
			m.Ui.Error(err.Error())
		default:
			m.apiError(fmt.Sprintf("querying job %q", id), err)
		}
		return nil, false
	}
	return job, true
}

// monitorFlags are the flags of commands that create an evaluation and
// watch it: -detach, -timeout and -verbose.
type monitorFlags struct {
	detach  bool
	verbose bool
	timeout time.Duration
}

func (mf *monitorFlags) register(f *flag.FlagSet) {
	f.BoolVar(&mf.detach, "detach", false, "")
	f.BoolVar(&mf.verbose, "verbose", false, "")
	f.DurationVar(&mf.timeout, "timeout", defaultMonitorTimeout, "")
}

// monitorOptionsUsage documents the flags monitorFlags registers.
func monitorOptionsUsage() string {
	return `  -detach
    Print the evaluation ID and return without watching the evaluation.
    Default = false

  -timeout=<duration>
    How long to watch the evaluation before returning and leaving it to
    finish on its own. Default = ` + defaultMonitorTimeout.String() + `

  -verbose
    Show full IDs. Default = false`
}

// followEval prints evalID when detached, otherwise watches it; jobID is
// named in the hint printed if the watch times out.
func (m *Meta) followEval(client *api.Client, mf *monitorFlags, evalID, jobID string) int {
	if mf.detach {
		m.Ui.Output(evalID)
		return exitOK
	}
	mon := &evalMonitor{ui: m.Ui, client: client, meta: m, timeout: mf.timeout, verbose: mf.verbose, jobID: jobID}
	return mon.monitor(evalID)
}

// checkTimeout reports a non-positive -timeout as a usage error.
func (m *Meta) checkTimeout(mf *monitorFlags, help string) (int, bool) {
	if mf.timeout <= 0 {
		return m.usageError(fmt.Sprintf("Invalid -timeout %s: it must be positive, e.g. 30s or 2m", mf.timeout), help), false
	}
	return 0, true
}
