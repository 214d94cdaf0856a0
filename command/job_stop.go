package command

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// JobStopCommand is `nomadish job stop`: deregister a job and watch the
// evaluation that stops its allocations.
type JobStopCommand struct {
	Meta
}

func (c *JobStopCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job stop [options] <job>

  Stop the job with the given ID, or the only job whose ID starts with it,
  then watch the evaluation that stops its allocations. A stopped job stays
  visible in "nomadish job status" until it is garbage collected, unless
  -purge is given. When <job> is only a prefix of the ID, the command asks
  for confirmation unless -yes is given.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed.

` + generalOptionsUsage() + `

Stop Options:

  -detach
    Print the evaluation ID and return without watching the evaluation.
    Default = false

  -global
    For a multiregion job, stop it in every region of its multiregion
    block, not only in the region the request is for; the evaluation
    watched is that region's. Default = false

  -purge
    Remove the job from the cluster's state at once instead of leaving it
    stopped until garbage collection. Default = false

  -timeout=<duration>
    How long to watch the evaluation before returning. Default = ` + defaultMonitorTimeout.String() + `

  -verbose
    Show full IDs. Default = false

  -yes
    Do not ask for confirmation. Default = false
`)
}

func (c *JobStopCommand) Synopsis() string { return "Stop a running job" }

func (c *JobStopCommand) Run(args []string) int {
	var detach, global, purge, verbose, yes bool
	var timeout time.Duration
	f := c.FlagSet("job stop")
	f.BoolVar(&detach, "detach", false, "")
	f.BoolVar(&purge, "purge", false, "")
	f.BoolVar(&global, "global", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.BoolVar(&yes, "yes", false, "")
	f.DurationVar(&timeout, "timeout", defaultMonitorTimeout, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, a job ID; got %d", len(args)), c.Help())
	}
	if timeout <= 0 {
		return c.usageError(fmt.Sprintf("Invalid -timeout %s: it must be positive, e.g. 30s or 2m", timeout), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}

	job, exact, err := lookupJob(client, args[0])
	if err != nil {
		var nje *noJobError
		var aje *ambiguousJobError
		switch {
		case errors.As(err, &nje), errors.As(err, &aje):
			c.Ui.Error(err.Error())
		default:
			c.apiError(fmt.Sprintf("querying job %q", args[0]), err)
		}
		return exitError
	}

	if !exact && !yes {
		answer, err := c.Ui.Ask(fmt.Sprintf("Are you sure you want to stop job %q? [y/N]", job.ID))
		if err != nil {
			c.Ui.Error(fmt.Sprintf("Error reading the confirmation: %s (use -yes to skip it)", err))
			return exitError
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
		case "", "n", "no":
			c.Ui.Output("Cancelling job stop")
			return exitOK
		default:
			c.Ui.Error(fmt.Sprintf("Unexpected answer %q: answer y or n", answer))
			return exitError
		}
	}

	resp, _, err := client.Jobs().DeregisterOpts(job.ID, &api.DeregisterOptions{Purge: purge, Global: global}, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("stopping job %q", job.ID), err)
		return exitError
	}
	switch {
	case resp.EvalID == "":
		c.Ui.Output(fmt.Sprintf("Job %q stopped; no evaluation was needed", job.ID))
		return exitOK
	case detach:
		c.Ui.Output(resp.EvalID)
		return exitOK
	}
	m := &evalMonitor{ui: c.Ui, client: client, meta: &c.Meta, timeout: timeout, verbose: verbose}
	if !purge {
		m.jobID = job.ID
	}
	return m.monitor(resp.EvalID)
}
