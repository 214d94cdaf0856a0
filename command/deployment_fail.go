package command

import (
	"fmt"
	"strings"
)

// DeploymentFailCommand is `nomadish deployment fail`: mark an active
// deployment failed, reverting its job when a group asks for auto_revert.
type DeploymentFailCommand struct {
	Meta
}

func (c *DeploymentFailCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment fail [options] <deployment>

  Mark the deployment with the given ID (or the only deployment whose ID
  starts with it) as failed: nothing more of it is placed. When one of its
  task groups has auto_revert set, the job is also reverted to its latest
  stable version, and the command prints that version. The command prints
  the ID of the evaluation it created for the job; follow it with
  "nomadish job status".

  Only a running, paused or blocked deployment can be failed; for one that
  has already ended the server's refusal is printed and the command exits
  with status 1.

` + generalOptionsUsage() + `
`)
}

func (c *DeploymentFailCommand) Synopsis() string {
	return "Manually fail a deployment"
}

func (c *DeploymentFailCommand) Run(args []string) int {
	f := c.FlagSet("deployment fail")
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
	resp, _, err := client.Deployments().Fail(d.ID, nil)
	if err != nil {
		c.deploymentChangeError(fmt.Sprintf("failing deployment %q", d.ID), err)
		return exitError
	}
	c.printDeploymentChange(d.ID, "failed", resp)
	return exitOK
}
