package command

import (
	"fmt"
	"strings"
)

// DeploymentPauseCommand is `nomadish deployment pause`: stop an active
// deployment from placing anything more until it is resumed.
type DeploymentPauseCommand struct {
	Meta
}

func (c *DeploymentPauseCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment pause [options] <deployment>

  Pause the deployment with the given ID (or the only deployment whose ID
  starts with it): the scheduler replaces no more allocations of it until
  "nomadish deployment resume". Allocations already placed keep running.
  Pausing creates no evaluation.

  Only a running, paused or blocked deployment can be paused; for one that
  has already ended the server's refusal is printed and the command exits
  with status 1.

` + generalOptionsUsage() + `
`)
}

func (c *DeploymentPauseCommand) Synopsis() string {
	return "Pause a deployment"
}

func (c *DeploymentPauseCommand) Run(args []string) int {
	return runDeploymentPause(&c.Meta, "deployment pause", args, true, c.Help())
}

// DeploymentResumeCommand is `nomadish deployment resume`: let a paused
// deployment carry on.
type DeploymentResumeCommand struct {
	Meta
}

func (c *DeploymentResumeCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment resume [options] <deployment>

  Resume the paused deployment with the given ID (or the only deployment
  whose ID starts with it): the scheduler carries on placing it, and each
  group's progress deadline starts again from now. The command prints the
  ID of the evaluation it created for the job.

  Only a running, paused or blocked deployment can be resumed; for one
  that has already ended the server's refusal is printed and the command
  exits with status 1.

` + generalOptionsUsage() + `
`)
}

func (c *DeploymentResumeCommand) Synopsis() string {
	return "Resume a paused deployment"
}

func (c *DeploymentResumeCommand) Run(args []string) int {
	return runDeploymentPause(&c.Meta, "deployment resume", args, false, c.Help())
}

// runDeploymentPause is pause (pause true) and resume (false), which
// differ only in the request's flag and the words printed.
func runDeploymentPause(m *Meta, name string, args []string, pause bool, help string) int {
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
	doing, done := "resuming", "resumed"
	if pause {
		doing, done = "pausing", "paused"
	}
	resp, _, err := client.Deployments().Pause(d.ID, pause, nil)
	if err != nil {
		m.deploymentChangeError(fmt.Sprintf("%s deployment %q", doing, d.ID), err)
		return exitError
	}
	m.printDeploymentChange(d.ID, done, resp)
	return exitOK
}
