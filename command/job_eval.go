package command

import (
	"fmt"
	"strings"
)

// JobEvalCommand is `nomadish job eval`: create a new evaluation of a job.
type JobEvalCommand struct {
	Meta
}

func (c *JobEvalCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job eval [options] <job>

  Create a new evaluation of the job with the given ID (or the only job
  whose ID starts with it), so that the schedulers reconcile it again, for
  example after nodes were added, and watch it.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  every allocation.

` + generalOptionsUsage() + `

Eval Options:

` + monitorOptionsUsage() + `

  -force-reschedule
    Reschedule failed allocations even if their reschedule policy says
    not to, or not yet. Default = false
`)
}

func (c *JobEvalCommand) Synopsis() string { return "Force an evaluation for the job" }

func (c *JobEvalCommand) Run(args []string) int {
	var mf monitorFlags
	var force bool
	f := c.FlagSet("job eval")
	mf.register(f)
	f.BoolVar(&force, "force-reschedule", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if code, ok := c.checkTimeout(&mf, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, a job ID; got %d", len(args)), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	job, ok := c.resolveJob(client, args[0])
	if !ok {
		return exitError
	}
	evalID, _, err := client.Jobs().EvaluateWithOpts(job.ID, force, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("evaluating job %q", job.ID), err)
		return exitError
	}
	return c.followEval(client, &mf, evalID, job.ID)
}
