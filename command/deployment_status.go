package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// DeploymentStatusCommand is `nomadish deployment status`: one deployment
// and the progress of each of its groups.
type DeploymentStatusCommand struct {
	Meta
}

func (c *DeploymentStatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment status [options] <deployment>

  Show the deployment with the given ID (or the only deployment whose ID
  starts with it, at least two characters): the job and job version it
  rolls out, its status and its description, then for each task group how
  many allocations are desired, placed, healthy and unhealthy, and with
  canaries how many are wanted and whether they were promoted.

` + generalOptionsUsage() + `

Deployment Status Options:

  -json
    Print the deployment as JSON.

  -verbose
    Show full IDs.
`)
}

func (c *DeploymentStatusCommand) Synopsis() string {
	return "Display the status of a deployment"
}

func (c *DeploymentStatusCommand) Run(args []string) int {
	var asJSON, verbose bool
	f := c.FlagSet("deployment status")
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	id, problem := deploymentIDArg(f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	d, ok := c.resolveDeployment(client, id)
	if !ok {
		return exitError
	}
	if asJSON {
		return c.printJSON(d)
	}
	c.Ui.Output(formatDeploymentStatus(d, verbose))
	return exitOK
}

// formatDeploymentStatus renders one deployment for deployment status:
// its header, then the per-group table that job status also shows.
func formatDeploymentStatus(d *api.Deployment, verbose bool) string {
	out := formatKV([]string{
		"ID|" + shortID(d.ID, verbose),
		"Job ID|" + d.JobID,
		fmt.Sprintf("Job Version|%d", d.JobVersion),
		"Status|" + d.Status,
		"Description|" + d.StatusDescription,
	})
	if groups := formatDeploymentGroups(d); groups != "" {
		out += "\n\n" + groups
	}
	return out
}
