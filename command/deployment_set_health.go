package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// DeploymentSetHealthCommand is `nomadish deployment set-health`: set the
// deployment health of allocations by hand, for groups with
// health_check = "manual" (PUT /v1/deployment/allocation-health/:id).
type DeploymentSetHealthCommand struct {
	Meta
}

func (c *DeploymentSetHealthCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish deployment set-health [options] <deployment>

  Mark allocations of the deployment with the given ID (or the only
  deployment whose ID starts with it) healthy or unhealthy. Groups whose
  update block has health_check = "manual" move on only this way: a
  healthy allocation lets the rollout (or the promotion of canaries)
  proceed, an unhealthy one fails the deployment, which rolls the job
  back when the group has auto_revert. It also overrides what a client
  decided for the other health_check modes.

  Each allocation is named by its ID or a prefix of it unique among the
  deployment's allocations. The request is refused whole when one of them
  is not part of the deployment or the deployment has ended. Nomad has
  this as an API call only (PUT /v1/deployment/allocation-health/:id);
  the command is nomadish's.

` + generalOptionsUsage() + `

Set-Health Options:

  -healthy <alloc>
    Mark this allocation healthy. May be given more than once.

  -unhealthy <alloc>
    Mark this allocation unhealthy. May be given more than once.
`)
}

func (c *DeploymentSetHealthCommand) Synopsis() string {
	return "Set the deployment health of allocations by hand"
}

func (c *DeploymentSetHealthCommand) Run(args []string) int {
	f := c.FlagSet("deployment set-health")
	var healthy, unhealthy stringList
	f.Var(&healthy, "healthy", "")
	f.Var(&unhealthy, "unhealthy", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	id, problem := deploymentIDArg(f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	if len(healthy)+len(unhealthy) == 0 {
		return c.usageError("name at least one allocation with -healthy or -unhealthy", c.Help())
	}
	for _, a := range append(append([]string(nil), healthy...), unhealthy...) {
		if strings.TrimSpace(a) == "" {
			return c.usageError("-healthy and -unhealthy take an allocation ID or prefix, as -healthy 5a1b0c2d", c.Help())
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
	allocs, _, err := client.Deployments().Allocations(d.ID, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reading the allocations of deployment %q", d.ID), err)
		return exitError
	}
	hIDs, ok := c.deploymentAllocIDs(d.ID, allocs, healthy)
	if !ok {
		return exitError
	}
	uIDs, ok := c.deploymentAllocIDs(d.ID, allocs, unhealthy)
	if !ok {
		return exitError
	}
	resp, _, err := client.Deployments().SetAllocHealth(d.ID, hIDs, uIDs, nil)
	if err != nil {
		c.deploymentChangeError(fmt.Sprintf("setting allocation health in deployment %q", d.ID), err)
		return exitError
	}
	c.printDeploymentChange(d.ID, fmt.Sprintf("updated: %d allocations marked healthy, %d unhealthy", len(hIDs), len(uIDs)), resp)
	return exitOK
}

// deploymentAllocIDs resolves each prefix to the one allocation of the
// deployment whose ID starts with it, or prints why it cannot.
func (c *DeploymentSetHealthCommand) deploymentAllocIDs(depID string, allocs []*api.AllocationListStub, prefixes []string) ([]string, bool) {
	var out []string
	for _, p := range prefixes {
		var match []*api.AllocationListStub
		for _, a := range allocs {
			if strings.HasPrefix(a.ID, p) {
				match = append(match, a)
			}
		}
		switch len(match) {
		case 1:
			out = append(out, match[0].ID)
		case 0:
			c.Ui.Error(fmt.Sprintf("Error: no allocation of deployment %q has an ID starting with %q (it has %d allocations; see deployment status)",
				depID, p, len(allocs)))
			return nil, false
		default:
			var ids []string
			for _, a := range match {
				ids = append(ids, fmt.Sprintf("%s (%s)", a.ID, a.Name))
			}
			c.Ui.Error(fmt.Sprintf("Error: %q matches %d allocations of deployment %q; give more of the ID:\n  %s",
				p, len(match), depID, strings.Join(ids, "\n  ")))
			return nil, false
		}
	}
	return out, true
}
