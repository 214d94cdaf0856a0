package command

import (
	"fmt"
	"strings"
)

// JobPeriodicForceCommand is `nomadish job periodic force`: launch a
// periodic job now, outside its schedule.
type JobPeriodicForceCommand struct {
	Meta
}

func (c *JobPeriodicForceCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job periodic force [options] <job>

  Launch a child of the periodic job with the given ID (or the only job
  whose ID starts with it) now, as its schedule would, and watch the
  child's evaluation. The child's ID is the parent's followed by
  "/periodic-<unix seconds>". The schedule is not changed, and
  prohibit_overlap is not checked.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  every allocation.

` + generalOptionsUsage() + `

Periodic Force Options:

` + monitorOptionsUsage() + `
`)
}

func (c *JobPeriodicForceCommand) Synopsis() string {
	return "Force the launch of a periodic job"
}

func (c *JobPeriodicForceCommand) Run(args []string) int {
	var mf monitorFlags
	f := c.FlagSet("job periodic force")
	mf.register(f)
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
	if !job.IsPeriodic() {
		c.Ui.Error(fmt.Sprintf("Job %q is not a periodic job; only jobs with an enabled \"periodic\" block can be forced", job.ID))
		return exitError
	}
	evalID, _, err := client.Jobs().PeriodicForce(job.ID, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("forcing periodic job %q", job.ID), err)
		return exitError
	}
	return c.followEval(client, &mf, evalID, "")
}
