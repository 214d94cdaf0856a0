package command

import (
	"fmt"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// EvalStatusCommand is `nomadish eval status`: one evaluation, and why it
// could not place allocations when it could not.
type EvalStatusCommand struct {
	Meta
}

func (c *EvalStatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish eval status [options] <evaluation>

  Show the evaluation with the given ID, or the only evaluation whose ID
  starts with it (at least two characters; when several match, they are
  listed): what triggered it, its job, its status, and the evaluations it
  follows or created. When the scheduler could not place all of the
  allocations it asked for, the reasons are listed per task group: how
  many nodes were evaluated, which filters (node class, constraints,
  missing drivers) excluded nodes and why, and which resources ran out.

  With -monitor the command watches the evaluation until the scheduler
  has finished it, as job run does. Exit codes: 0 when the evaluation
  completed (or is still pending at the timeout); 1 on errors; 2 with
  -monitor when the evaluation failed or could not place all
  allocations.

` + generalOptionsUsage() + `

Eval Status Options:

  -json
    Print the evaluation as JSON, as the HTTP API returns it.

  -monitor
    Watch the evaluation until it is complete, failed or canceled, then
    print its outcome.

  -timeout=<duration>
    With -monitor, how long to watch before returning.
    Default = ` + defaultMonitorTimeout.String() + `

  -verbose
    Show full IDs and absolute times.
`)
}

func (c *EvalStatusCommand) Synopsis() string { return "Display the status of an evaluation" }

func (c *EvalStatusCommand) Run(args []string) int {
	var asJSON, monitor, verbose bool
	var timeout time.Duration
	f := c.FlagSet("eval status")
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&monitor, "monitor", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.DurationVar(&timeout, "timeout", defaultMonitorTimeout, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	id, problem := oneArg("an evaluation ID or prefix", f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	if monitor && asJSON {
		return c.usageError("-monitor and -json cannot be combined: -monitor prints the evaluation's progress as text", c.Help())
	}
	if timeout <= 0 {
		return c.usageError(fmt.Sprintf("-timeout must be a positive duration such as 30s or 5m; got %s", timeout), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	eval, ok := c.resolveEval(client, id)
	if !ok {
		return exitError
	}
	if monitor {
		m := &evalMonitor{ui: c.Ui, client: client, meta: &c.Meta, timeout: timeout, verbose: verbose, jobID: eval.JobID,
			again: "nomadish eval status -monitor " + shortID(eval.ID, verbose)}
		return m.monitor(eval.ID)
	}
	if asJSON {
		return c.printJSON(eval)
	}
	c.Ui.Output(formatEvalStatus(eval, c.clockNow(), verbose))
	return exitOK
}

// formatEvalStatus renders one evaluation: its fields, then the failed
// placements and the blocked evaluation waiting to retry them.
func formatEvalStatus(e *api.Evaluation, now time.Time, verbose bool) string {
	when := func(ns int64) string {
		if verbose {
			return formatUnixNano(ns)
		}
		return formatTimeAgo(ns, now)
	}
	status := e.StatusDescription
	if status == "" {
		status = e.Status
	}
	rows := []string{
		"ID|" + shortID(e.ID, verbose),
		"Create Time|" + when(e.CreateTime),
		"Modify Time|" + when(e.ModifyTime),
		"Status|" + e.Status,
		"Status Description|" + status,
		"Type|" + e.Type,
		"TriggeredBy|" + e.TriggeredBy,
	}
	if e.JobID != "" {
		rows = append(rows, "Job ID|"+e.JobID)
	}
	if e.NodeID != "" {
		rows = append(rows, "Node ID|"+shortID(e.NodeID, verbose))
	}
	if e.DeploymentID != "" {
		rows = append(rows, "Deployment ID|"+shortID(e.DeploymentID, verbose))
	}
	rows = append(rows,
		"Namespace|"+e.Namespace,
		fmt.Sprintf("Priority|%d", e.Priority),
		fmt.Sprintf("Placement Failures|%t", len(e.FailedTGAllocs) > 0),
	)
	if e.Wait > 0 {
		rows = append(rows, "Wait|"+e.Wait.String())
	}
	if !e.WaitUntil.IsZero() {
		rows = append(rows, "Wait Until|"+when(e.WaitUntil.UnixNano()))
	}
	for _, rel := range []struct{ label, id string }{
		{"Previous Eval", e.PreviousEval}, {"Next Eval", e.NextEval}, {"Blocked Eval", e.BlockedEval},
	} {
		if rel.id != "" {
			rows = append(rows, rel.label+"|"+shortID(rel.id, verbose))
		}
	}
	out := formatKV(rows)
	if verbose && len(e.QueuedAllocations) > 0 {
		queued := []string{"Task Group|Queued"}
		for _, g := range sortedKeys(e.QueuedAllocations) {
			queued = append(queued, fmt.Sprintf("%s|%d", g, e.QueuedAllocations[g]))
		}
		out += "\n\nQueued Allocations\n" + formatList(queued)
	}
	if len(e.FailedTGAllocs) > 0 {
		out += "\n\nFailed Placements\n" + strings.Join(formatPlacementFailures(e.FailedTGAllocs, true), "\n")
		if e.BlockedEval != "" && e.Status != api.EvalStatusBlocked {
			out += fmt.Sprintf("\n\nEvaluation %q waiting for additional capacity to place remainder", shortID(e.BlockedEval, verbose))
		}
	}
	return out
}
