package command

import (
	"fmt"
	"strings"
)

// AllocRestartCommand is `nomadish alloc restart`: restart tasks of an
// allocation in place, on the node that runs it.
type AllocRestartCommand struct {
	Meta
}

func (c *AllocRestartCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc restart [options] <allocation> [<task>]

  Restart a task of an allocation in place, or every running task when no
  task is named. The allocation keeps its node, directory and ID; the
  restart is recorded as a "Restart Signaled" task event and does not count
  against the group's restart policy. <allocation> is an allocation ID or
  a prefix of one.

` + generalOptionsUsage() + `

Restart Options:

  -task=<task>
    The task to restart; wins over the second argument.

  -all-tasks
    Restart every task, the default when no task is named.
`)
}

func (c *AllocRestartCommand) Synopsis() string { return "Restart a running allocation" }

func (c *AllocRestartCommand) Run(args []string) int {
	var taskFlag string
	var all bool
	f := c.FlagSet("alloc restart")
	f.StringVar(&taskFlag, "task", "", "")
	f.BoolVar(&all, "all-tasks", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	task, problem := allocTaskArgs(f.Args(), taskFlag)
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	if all && task != "" {
		return c.usageError(fmt.Sprintf("-all-tasks and a task (%q) are exclusive", task), c.Help())
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
	if err := client.Allocations().Restart(alloc, task, nil); err != nil {
		c.apiError(fmt.Sprintf("restarting allocation %s", shortID(alloc.ID, false)), err)
		return exitError
	}
	if task == "" {
		c.Ui.Output(fmt.Sprintf("Restarted the running tasks of allocation %q", alloc.ID))
	} else {
		c.Ui.Output(fmt.Sprintf("Restarted task %q of allocation %q", task, alloc.ID))
	}
	return exitOK
}

// allocTaskArgs checks args are an allocation and an optional task and
// returns the task; -task, when given, wins over the argument, as in
// Nomad.
func allocTaskArgs(args []string, taskFlag string) (task, problem string) {
	if len(args) < 1 || len(args) > 2 {
		return "", fmt.Sprintf("This command takes an allocation ID or prefix and optionally a task name; got %d arguments", len(args))
	}
	if taskFlag != "" {
		return taskFlag, ""
	}
	if len(args) == 2 {
		return args[1], ""
	}
	return "", ""
}
