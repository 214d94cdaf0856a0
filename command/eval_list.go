package command

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// EvalListCommand is `nomadish eval list`: the evaluations of the
// namespace, or of one job, newest first.
type EvalListCommand struct {
	Meta
}

// evalStatuses are the statuses -status accepts, in the order an
// evaluation usually passes through them.
var evalStatuses = []string{api.EvalStatusBlocked, api.EvalStatusPending, api.EvalStatusComplete, api.EvalStatusFailed, api.EvalStatusCancelled}

func (c *EvalListCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish eval list [options]

  List evaluations, newest first: for each, its ID, priority, what
  triggered it, its job, namespace and node, its status, and whether it
  failed to place allocations ("nomadish eval status <id>" says why).
  With -namespace '*' the evaluations of every namespace are listed.

` + generalOptionsUsage() + `

Eval List Options:

  -job=<job-id>
    Only list the evaluations of the job with this exact ID.

  -status=<status>
    Only list the evaluations in this status: one of ` + strings.Join(evalStatuses, ", ") + `.

  -json
    Print the evaluations as JSON, as the HTTP API returns them.

  -verbose
    Show full IDs.
`)
}

func (c *EvalListCommand) Synopsis() string { return "List evaluations" }

func (c *EvalListCommand) Run(args []string) int {
	var asJSON, verbose bool
	var jobID, status string
	f := c.FlagSet("eval list")
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.StringVar(&jobID, "job", "", "")
	f.StringVar(&status, "status", "", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 0 {
		return c.usageError(fmt.Sprintf("This command takes no arguments; got %d: %s", len(f.Args()), strings.Join(f.Args(), " ")), c.Help())
	}
	if status != "" && !slices.Contains(evalStatuses, status) {
		return c.usageError(fmt.Sprintf("-status %q is not an evaluation status; accepted: %s", status, strings.Join(evalStatuses, ", ")), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	// A job's evaluations have their own endpoint, which the server
	// answers from an index; the status is filtered here, since the list
	// endpoints filter by nothing but an ID prefix.
	var evals []*api.Evaluation
	var err error
	if jobID != "" {
		evals, _, err = client.Jobs().Evaluations(jobID, nil)
	} else {
		evals, _, err = client.Evaluations().List(nil)
	}
	if err != nil {
		doing := "listing evaluations"
		if jobID != "" {
			doing = fmt.Sprintf("listing the evaluations of job %q", jobID)
		}
		c.apiError(doing, err)
		return exitError
	}
	if status != "" {
		kept := evals[:0]
		for _, e := range evals {
			if e.Status == status {
				kept = append(kept, e)
			}
		}
		evals = kept
	}
	sort.Slice(evals, func(i, j int) bool {
		if evals[i].CreateIndex != evals[j].CreateIndex {
			return evals[i].CreateIndex > evals[j].CreateIndex
		}
		return evals[i].ID < evals[j].ID
	})
	if asJSON {
		if evals == nil {
			evals = []*api.Evaluation{}
		}
		return c.printJSON(evals)
	}
	if len(evals) == 0 {
		c.Ui.Output("No evaluations found")
		return exitOK
	}
	c.Ui.Output(formatEvalList(evals, verbose))
	return exitOK
}

// formatEvalList renders evaluations as eval list's table.
func formatEvalList(evals []*api.Evaluation, verbose bool) string {
	rows := []string{"ID|Priority|Triggered By|Job ID|Namespace|Node ID|Status|Placement Failures"}
	for _, e := range evals {
		node := "<none>"
		if e.NodeID != "" {
			node = shortID(e.NodeID, verbose)
		}
		job := e.JobID
		if job == "" {
			job = "<none>"
		}
		rows = append(rows, fmt.Sprintf("%s|%d|%s|%s|%s|%s|%s|%t",
			shortID(e.ID, verbose), e.Priority, e.TriggeredBy, job, e.Namespace, node, e.Status, len(e.FailedTGAllocs) > 0))
	}
	return formatList(rows)
}
