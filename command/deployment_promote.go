package command

import (
	"fmt"
	"strings"
)

// DeploymentPromoteCommand is `nomadish deployment promote`: promote the
// canaries of a deployment so that the rest of their groups is rolled out.
type DeploymentPromoteCommand struct {
	Meta
}

func (c *DeploymentPromoteCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment promote [options] <deployment>

  Promote the canaries of the deployment with the given ID (or the only
  deployment whose ID starts with it). Without -group every group with
  canaries is promoted. Once a group is promoted its canaries count as
  allocations of the new version, the old allocations they stand in for
  are stopped, and the rest of the group is replaced max_parallel at a
  time. The command prints the ID of the evaluation it created.

  A group is promoted only when all its canaries are healthy; otherwise
  the server's refusal (how many are healthy) is printed and the command
  exits with status 1, and nothing is promoted.

` + generalOptionsUsage() + `

Promote Options:

  -group <name>
    Promote only this group. May be given more than once.
`)
}

func (c *DeploymentPromoteCommand) Synopsis() string {
	return "Promote the canaries of a deployment"
}

func (c *DeploymentPromoteCommand) Run(args []string) int {
	f := c.FlagSet("deployment promote")
	var groups stringList
	f.Var(&groups, "group", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	id, problem := deploymentIDArg(f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	for _, g := range groups {
		if strings.TrimSpace(g) == "" {
			return c.usageError("-group: a group name is required, as -group web", c.Help())
		}
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	d, ok := c.resolveDeployment(client, id)
	if !ok {
		return exitError
	}
	resp, _, err := client.Deployments().Promote(d.ID, groups, nil)
	if err != nil {
		c.deploymentChangeError(fmt.Sprintf("promoting deployment %q", d.ID), err)
		return exitError
	}
	c.printDeploymentChange(d.ID, "promoted", resp)
	return exitOK
}
