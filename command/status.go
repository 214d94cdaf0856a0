package command

import "strings"

// StatusCommand is `nomadish status`: the job list, or `job status` of one
// job. Later it will also resolve node, allocation and evaluation IDs.
type StatusCommand struct {
	Meta
}

func (c *StatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish status [options] [<job>]

  Display the status of the cluster's jobs. With no argument, list every
  job in the namespace. With a job ID, or a unique prefix of one, behave as
  "nomadish job status <job>".

` + generalOptionsUsage() + `

Status Options:

  -json
    Print the job (or the job list) as JSON. Default = false

  -verbose
    Show full IDs and absolute times. Default = false
`)
}

func (c *StatusCommand) Synopsis() string { return "Display the status of jobs" }

func (c *StatusCommand) Run(args []string) int {
	js := &JobStatusCommand{Meta: c.Meta, name: "status"}
	return js.runWithHelp(args, c.Help())
}
