package command

import (
	"fmt"
	"strings"
	"time"
)

// AllocStopCommand is `nomadish alloc stop`: stop an allocation and let
// the scheduler replace it.
type AllocStopCommand struct {
	Meta
}

func (c *AllocStopCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc stop [options] <allocation>

  Stop an allocation and have the scheduler place a replacement, normally
  on another node, as a node drain would: the allocation is marked for
  migration and an evaluation of its job is created, which the command
  then watches. <allocation> is an allocation ID or a prefix of one.

  Exit codes: 0 on success (or when the evaluation is still pending at the
  timeout); 1 on errors; 2 when the evaluation failed or could not place
  the replacement.

` + generalOptionsUsage() + `

Stop Options:

  -detach
    Print the evaluation ID and return without watching it.

  -no-shutdown-delay
    Ask the client to skip the group's and tasks' shutdown_delay.

  -timeout=<duration>
    How long to watch the evaluation before returning. Default = ` + defaultMonitorTimeout.String() + `

  -verbose
    Show full IDs.
`)
}

func (c *AllocStopCommand) Synopsis() string { return "Stop and reschedule a running allocation" }

func (c *AllocStopCommand) Run(args []string) int {
	var detach, verbose, noDelay bool
	var timeout time.Duration
	f := c.FlagSet("alloc stop")
	f.BoolVar(&detach, "detach", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	f.BoolVar(&noDelay, "no-shutdown-delay", false, "")
	f.DurationVar(&timeout, "timeout", defaultMonitorTimeout, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, an allocation ID or prefix; got %d", len(f.Args())), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	alloc, ok := c.resolveAlloc(client, f.Args()[0])
	if !ok {
		return exitError
	}
	resp, err := client.Allocations().StopWithOptions(alloc, noDelay, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("stopping allocation %s", shortID(alloc.ID, false)), err)
		return exitError
	}
	if detach {
		c.Ui.Output(resp.EvalID)
		return exitOK
	}
	m := &evalMonitor{ui: c.Ui, client: client, meta: &c.Meta, timeout: timeout, verbose: verbose, jobID: alloc.JobID}
	return m.monitor(resp.EvalID)
}
