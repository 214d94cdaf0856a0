package command

import (
	"fmt"
	"strings"
)

// DeploymentUnblockCommand is `nomadish deployment unblock`: mark a
// blocked multiregion deployment successful.
type DeploymentUnblockCommand struct {
	Meta
}

func (c *DeploymentUnblockCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment unblock [options] <deployment>

  Mark the blocked deployment with the given ID (or the only deployment
  whose ID starts with it) as successful. A region's deployment of a
  multiregion job is blocked once it is complete in its region, until
  every region of the job's multiregion block is; with on_failure =
  "fail_local" a failed region leaves the others blocked until they are
  unblocked by hand. The deployment belongs to the region given by -region
  (default the agent's).

  Only a blocked deployment can be unblocked; for any other the server's
  refusal is printed and the command exits with status 1.

` + generalOptionsUsage() + `
`)
}

func (c *DeploymentUnblockCommand) Synopsis() string {
	return "Unblock a blocked multiregion deployment"
}

func (c *DeploymentUnblockCommand) Run(args []string) int {
	f := c.FlagSet("deployment unblock")
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
	resp, _, err := client.Deployments().Unblock(d.ID, nil)
	if err != nil {
		c.deploymentChangeError(fmt.Sprintf("unblocking deployment %q", d.ID), err)
		return exitError
	}
	c.printDeploymentChange(d.ID, "unblocked", resp)
	return exitOK
}
