package command

import (
	"fmt"
	"strings"
)

// AllocSignalCommand is `nomadish alloc signal`: send a signal to tasks of
// an allocation.
type AllocSignalCommand struct {
	Meta
}

func (c *AllocSignalCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc signal [options] <allocation> [<task>]

  Send a signal to a task of an allocation, or to every running task when
  no task is named. The driver delivers it; a task that exits because of
  it is handled by the group's restart policy. <allocation> is an
  allocation ID or a prefix of one.

` + generalOptionsUsage() + `

Signal Options:

  -s=<signal>
    The signal to send, e.g. SIGHUP or SIGUSR1. Default = SIGKILL

  -task=<task>
    The task to signal; wins over the second argument.
`)
}

func (c *AllocSignalCommand) Synopsis() string { return "Signal a running allocation" }

func (c *AllocSignalCommand) Run(args []string) int {
	var sig, taskFlag string
	f := c.FlagSet("alloc signal")
	f.StringVar(&sig, "s", "SIGKILL", "")
	f.StringVar(&taskFlag, "task", "", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	task, problem := allocTaskArgs(f.Args(), taskFlag)
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	sig = strings.ToUpper(strings.TrimSpace(sig))
	if sig == "" {
		return c.usageError("-s must name a signal, e.g. SIGHUP", c.Help())
	}
	if !strings.HasPrefix(sig, "SIG") {
		sig = "SIG" + sig
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	alloc, ok := c.resolveAlloc(client, f.Args()[0])
	if !ok {
		return exitError
	}
	if task != "" {
		if task, ok = c.pickTask(alloc, task); !ok {
			return exitError
		}
	}
	if err := client.Allocations().Signal(alloc, nil, task, sig); err != nil {
		c.apiError(fmt.Sprintf("signalling allocation %s", shortID(alloc.ID, false)), err)
		return exitError
	}
	if task == "" {
		c.Ui.Output(fmt.Sprintf("Sent %s to the running tasks of allocation %q", sig, alloc.ID))
	} else {
		c.Ui.Output(fmt.Sprintf("Sent %s to task %q of allocation %q", sig, task, alloc.ID))
	}
	return exitOK
}
