package command

import (
	"fmt"
	"strings"
)

// NodeEligibilityCommand is `nomadish node eligibility`: allow or refuse
// new placements on a node without touching what already runs there.
type NodeEligibilityCommand struct {
	Meta
}

func (c *NodeEligibilityCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish node eligibility [options] -enable|-disable <node>

  Mark the node with the given ID (or the only node whose ID starts with it)
  eligible or ineligible for new allocations. Allocations already on the
  node keep running. A draining node cannot be made eligible: stop its
  drain with "nomadish node drain -disable" first.

` + generalOptionsUsage() + `

Eligibility Options:

  -enable
    Allow new allocations to be placed on the node.

  -disable
    Stop new allocations from being placed on the node.
`)
}

func (c *NodeEligibilityCommand) Synopsis() string {
	return "Toggle scheduling eligibility for a client node"
}

func (c *NodeEligibilityCommand) Run(args []string) int {
	var enable, disable bool
	f := c.FlagSet("node eligibility")
	f.BoolVar(&enable, "enable", false, "")
	f.BoolVar(&disable, "disable", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if enable == disable {
		return c.usageError("Exactly one of -enable and -disable is required", c.Help())
	}
	id, problem := nodeIDArg(f.Args())
	if problem != "" {
		return c.usageError(problem, c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	node, ok := c.resolveNode(client, id)
	if !ok {
		return exitError
	}
	if _, _, err := client.Nodes().ToggleEligibility(node.ID, enable, nil); err != nil {
		c.apiError(fmt.Sprintf("updating scheduling eligibility of node %q", node.ID), err)
		return exitError
	}
	state := "ineligible"
	if enable {
		state = "eligible"
	}
	c.Ui.Output(fmt.Sprintf("Node %q scheduling eligibility set: %s for scheduling", node.ID, state))
	return exitOK
}
