package command

import (
	"fmt"
	"strings"
)

// DeploymentListCommand is `nomadish deployment list`: every deployment of
// the namespace, newest first.
type DeploymentListCommand struct {
	Meta
}

func (c *DeploymentListCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment list [options]

  List the deployments of the namespace, newest first: for each, its ID,
  the job and job version it rolls out, its status and a description of
  that status. A deployment is created when a new version of a service job
  with an update block is registered; "nomadish deployment status" shows
  one in detail.

` + generalOptionsUsage() + `

Deployment List Options:

  -json
    Print the deployments as JSON.

  -verbose
    Show full IDs.
`)
}

func (c *DeploymentListCommand) Synopsis() string {
	return "List all deployments"
}

func (c *DeploymentListCommand) Run(args []string) int {
	var asJSON, verbose bool
	f := c.FlagSet("deployment list")
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 0 {
		return c.usageError(fmt.Sprintf("This command takes no arguments; got %d: %s", len(f.Args()), strings.Join(f.Args(), " ")), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	deps, _, err := client.Deployments().List(nil)
	if err != nil {
		c.apiError("listing deployments", err)
		return exitError
	}
	if asJSON {
		return c.printJSON(deps)
	}
	if len(deps) == 0 {
		c.Ui.Output("No deployments found")
		return exitOK
	}
	// The server lists newest first; that order is kept.
	rows := []string{"ID|Job ID|Job Version|Status|Description"}
	for _, d := range deps {
		rows = append(rows, fmt.Sprintf("%s|%s|%d|%s|%s", shortID(d.ID, verbose), d.JobID, d.JobVersion, d.Status, d.StatusDescription))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}
