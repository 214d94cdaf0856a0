package command

import (
	"fmt"
	"strconv"
	"strings"
)

// JobScaleCommand is `nomadish job scale`: change the count of a task group.
type JobScaleCommand struct {
	Meta
}

func (c *JobScaleCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job scale [options] <job> [<group>] <count>

  Set the number of allocations of a task group of the job with the given
  ID (or the only job whose ID starts with it), then watch the evaluation
  the change creates. <group> may be left out when the job has only one
  task group.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  every allocation.

` + generalOptionsUsage() + `

Scale Options:

` + monitorOptionsUsage() + `
`)
}

func (c *JobScaleCommand) Synopsis() string {
	return "Change the count of a task group within a job"
}

func (c *JobScaleCommand) Run(args []string) int {
	var mf monitorFlags
	f := c.FlagSet("job scale")
	mf.register(f)
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if code, ok := c.checkTimeout(&mf, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 2 && len(args) != 3 {
		return c.usageError(fmt.Sprintf("This command takes a job ID, an optional task group and a count; got %d arguments", len(args)), c.Help())
	}
	countArg := args[len(args)-1]
	count, err := strconv.Atoi(countArg)
	if err != nil || count < 0 {
		return c.usageError(fmt.Sprintf("Invalid count %q: want a non-negative integer", countArg), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	job, ok := c.resolveJob(client, args[0])
	if !ok {
		return exitError
	}

	var group string
	if len(args) == 3 {
		group = args[1]
	} else {
		names := make([]string, len(job.TaskGroups))
		for i, tg := range job.TaskGroups {
			names[i] = tg.Name
		}
		if len(names) != 1 {
			c.Ui.Error(fmt.Sprintf("Job %q has %d task groups (%s); name the one to scale: nomadish job scale %s <group> %d",
				job.ID, len(names), strings.Join(names, ", "), job.ID, count))
			return exitError
		}
		group = names[0]
	}
	found := false
	for _, tg := range job.TaskGroups {
		found = found || tg.Name == group
	}
	if !found {
		c.Ui.Error(fmt.Sprintf("Job %q has no task group %q", job.ID, group))
		return exitError
	}

	resp, _, err := client.Jobs().Scale(job.ID, group, &count, "submitted using the nomadish CLI", nil)
	if err != nil {
		c.apiError(fmt.Sprintf("scaling task group %q of job %q", group, job.ID), err)
		return exitError
	}
	if resp.Warnings != "" {
		c.Ui.Warn("Job Warnings:\n" + resp.Warnings + "\n")
	}
	if resp.EvalID == "" {
		c.Ui.Output(fmt.Sprintf("Task group %q of job %q scaled to %d; no evaluation was needed", group, job.ID, count))
		return exitOK
	}
	return c.followEval(client, &mf, resp.EvalID, job.ID)
}
