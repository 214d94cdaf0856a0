package command

import (
	"fmt"
	"strconv"
	"strings"
)

// JobRevertCommand is `nomadish job revert`: register an earlier version
// of a job again.
type JobRevertCommand struct {
	Meta
}

func (c *JobRevertCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job revert [options] <job> <version>

  Revert the job with the given ID (or the only job whose ID starts with
  it) to an earlier version: that version is registered again, as a new
  version, and the evaluation it creates is watched. "nomadish job history"
  lists the versions.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  every allocation.

` + generalOptionsUsage() + `

Revert Options:

` + monitorOptionsUsage() + `
`)
}

func (c *JobRevertCommand) Synopsis() string { return "Revert to a prior version of the job" }

func (c *JobRevertCommand) Run(args []string) int {
	var mf monitorFlags
	f := c.FlagSet("job revert")
	mf.register(f)
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if code, ok := c.checkTimeout(&mf, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 2 {
		return c.usageError(fmt.Sprintf("This command takes two arguments, a job ID and a version; got %d", len(args)), c.Help())
	}
	version, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return c.usageError(fmt.Sprintf("Invalid version %q: want a non-negative integer, as listed by \"nomadish job history\"", args[1]), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	job, ok := c.resolveJob(client, args[0])
	if !ok {
		return exitError
	}
	resp, _, err := client.Jobs().Revert(job.ID, version, nil, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reverting job %q to version %d", job.ID, version), err)
		return exitError
	}
	if resp.Warnings != "" {
		c.Ui.Warn("Job Warnings:\n" + resp.Warnings + "\n")
	}
	if resp.EvalID == "" {
		c.Ui.Output(fmt.Sprintf("Job %q reverted to version %d; it creates no evaluation until it is launched or dispatched", job.ID, version))
		return exitOK
	}
	return c.followEval(client, &mf, resp.EvalID, job.ID)
}
