package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
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
	return runDeploymentChange(&c.Meta, "deployment fail", args, c.Help(), "failing", "failed",
		func(client *api.Client, id string) (*api.DeploymentUpdateResponse, error) {
			resp, _, err := client.Deployments().Fail(id, nil)
			return resp, err
		})
}

// runDeploymentChange is a command that takes one deployment (an ID or
// the only deployment whose ID starts with it), sends it one change and
// prints the outcome: fail and unblock.
func runDeploymentChange(m *Meta, name string, args []string, help, doing, done string,
	change func(client *api.Client, id string) (*api.DeploymentUpdateResponse, error)) int {
	f := m.FlagSet(name)
	if code, ok := m.parseFlags(f, args, help); !ok {
		return code
	}
	id, problem := deploymentIDArg(f.Args())
	if problem != "" {
		return m.usageError(problem, help)
	}
	client, ok := m.client()
	if !ok {
		return exitError
	}
	d, ok := m.resolveDeployment(client, id)
	if !ok {
		return exitError
	}
	resp, err := change(client, d.ID)
	if err != nil {
		m.deploymentChangeError(fmt.Sprintf("%s deployment %q", doing, d.ID), err)
		return exitError
	}
	m.printDeploymentChange(d.ID, done, resp)
	return exitOK
}
